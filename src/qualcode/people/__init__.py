"""People coding beside the automatic coder: finding what they name, tagging, review, imports.

People's codings live in the ``codings`` table like automatic ones, with the person's name as
coder and no run. Their verdicts on automatic codings are review decisions, keyed by segment,
code and reviewer, so a rerun of ``qualcode code`` neither erases nor silently resurrects them.

**The codings of a person** (what reports and agreement count for coder X) are X's own codings
(tagged or imported), plus the automatic codings X accepted, minus those X rejected. The store
keeps the three from contradicting each other, whichever command writes them
(``Store.add_person_codings``, ``remove_person_codings``, ``save_decisions``): adding a coding
withdraws X's rejection of it, rejecting removes X's own coding of it, and removing a coding
(untagging, a coding sheet's 0) removes X's acceptance too.

Coder names starting with ``auto:`` (codebook runs) or ``learned:`` (``qualcode suggest``) belong
to automatic coders and cannot be used by people.
"""
