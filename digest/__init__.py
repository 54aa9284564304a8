"""Weekly digest and reports: query → render → send. Built in its own issue; nothing here yet."""
