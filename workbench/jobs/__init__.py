"""Runs of the notebooks (papermill), their unattended steps, the report, the schedule, the demo."""
