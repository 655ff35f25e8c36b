"""Turning files into clean, chunked passages: loaders, cleaning rules, chunking."""
