"""The matching app's pages, one module per area (suggestions and runs, weights, recommendations)."""
