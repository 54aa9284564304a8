"""The scheduled daemon (`hdmonitor run`): the units of work on their own intervals, one daemon per database."""
