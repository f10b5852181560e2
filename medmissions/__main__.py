from medmissions.cli import main

main()
