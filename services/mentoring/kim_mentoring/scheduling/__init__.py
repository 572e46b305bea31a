"""Sessions of help requests, on working days within WIB office hours."""
