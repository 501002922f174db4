"""The ingest box of the pipeline: files become documents with attributes and segments.

- :mod:`~qualcode.ingest.discover` finds the transcripts under the paths given;
- :mod:`~qualcode.ingest.metadata` gives each its attributes (folder, front matter or document
  properties, ``metadata.csv``, ``--set``);
- :mod:`~qualcode.ingest.pipeline` takes one read document to a version in the project: segments
  (:mod:`~qualcode.ingest.segment`, speakers decided by :mod:`~qualcode.ingest.labels`, roles by
  :mod:`~qualcode.ingest.roles`), their languages (:mod:`~qualcode.ingest.language`), the write;
  the REFI-QDA import goes the same way;
- :mod:`~qualcode.ingest.run` is one ``ingest``: which files are added, updated or unchanged,
  prepared here or in worker processes, written in order in one transaction.
"""

from qualcode.ingest.run import FileResult, IngestResult, ingest

__all__ = ["FileResult", "IngestResult", "ingest"]
