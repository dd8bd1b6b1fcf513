"""The only package that imports rich and questionary."""
