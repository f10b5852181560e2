"""``medmissions <command>`` commands of the missions app."""
