"""Management commands of the missions app."""
