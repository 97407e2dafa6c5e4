"""The shared kernel: knows no domain."""
