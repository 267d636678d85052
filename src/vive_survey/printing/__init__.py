"""Printing: how a number is printed (rounding, decimal mark, a cell's shape), for every output."""
