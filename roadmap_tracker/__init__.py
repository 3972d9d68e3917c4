"""roadmap-tracker: a roadmap of an intergovernmental process as a dependency graph.

The library is the product; the command line (``roadmap``) is a thin front end over
:func:`roadmap_tracker.loading.load_roadmap`, :func:`roadmap_tracker.scheduling.compute_schedule`
and :func:`roadmap_tracker.status.build_status`.
"""

__version__ = "0.1.0"
