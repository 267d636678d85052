"""The writers of a grid: HTML (the report page), Markdown, LaTeX (booktabs) and XLSX; each only lays
out the texts the grid holds, escaped for its format."""
