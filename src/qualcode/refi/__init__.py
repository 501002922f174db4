"""REFI-QDA interoperability: projects (``.qdpx``) and codebooks (``.qdc``) in and out.

REFI-QDA is the exchange standard of NVivo, ATLAS.ti, MAXQDA, QualCoder and others
(www.qdasoftware.org); docs/refi-qda.md says what travels and what does not.

- :mod:`~qualcode.refi.export` writes a project archive or a codebook;
- :mod:`~qualcode.refi.import_` reads an archive into a project, through
  :mod:`~qualcode.refi.qde` (the project file as records), :mod:`~qualcode.refi.sources`
  (each source's text, in the archive or under ``--base``), :mod:`~qualcode.refi.positions`
  (how the writing tool counted positions), :mod:`~qualcode.refi.segmenting` (segments that
  leave no selection out) and :mod:`~qualcode.refi.notes` (notes as memos);
- :mod:`~qualcode.refi.codebook` turns a codebook into a qualcode YAML codebook;
- :mod:`~qualcode.refi.codes` maps codes both ways, :mod:`~qualcode.refi.guid` makes GUIDs that
  stay the same from one export to the next;
- :mod:`~qualcode.refi.archive` and :mod:`~qualcode.refi.xmltools` handle the zip and the XML
  without trusting either. The standard's schemas are in ``schemas/``.
"""
