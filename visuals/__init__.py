"""Views and exports."""
