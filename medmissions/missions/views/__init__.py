"""HTML views of the missions app, one module per area (planning, opportunities, team, close-out)."""
