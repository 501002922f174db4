"""REFI-QDA interoperability: projects (``.qdpx``) and codebooks (``.qdc``) in and out.

REFI-QDA is the exchange standard of NVivo, ATLAS.ti, MAXQDA, QualCoder and others
(www.qdasoftware.org). :mod:`~qualcode.refi.export` writes, :mod:`~qualcode.refi.import_` and
:mod:`~qualcode.refi.codebook` read; :mod:`~qualcode.refi.guid` makes GUIDs that stay the same
from one export to the next; :mod:`~qualcode.refi.archive` and :mod:`~qualcode.refi.xmltools`
handle the zip and the XML without trusting either. The standard's schemas are in ``schemas/``.
"""
