"""What the rules ask of the package: config checks, code keys, the workflow's
files (for copies and modules), the example table."""
