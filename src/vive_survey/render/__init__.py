"""Rendering: the grid of a table, its writers (HTML, Markdown, LaTeX, Excel), figures and labels."""
