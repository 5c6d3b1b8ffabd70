"""Reading and writing: case facts and files, batch records and tables, rendered decisions, guarded streams."""
