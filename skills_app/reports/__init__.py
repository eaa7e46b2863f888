"""Reports: set-wise SQL (select() builders) shaped with pandas, exported as
CSV, XLSX or JSON. The gap engine lives in gaps.py and nowhere else."""
