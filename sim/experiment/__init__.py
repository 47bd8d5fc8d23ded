"""Running and storing experiments: one run's files now; designs and executors to come."""
