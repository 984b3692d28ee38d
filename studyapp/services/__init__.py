"""The services: what the app and the command line can do, over the deck, store and labs.

`studyapp.tui` and `studyapp.cli` reach the layers below only through these modules:
`study` (settings, content, and the `overview`, `progress` and `data_safety` it composes),
`review` (one review session), `labs` and `lab_results` (running labs, and what a run gives
the learner), `values` (what they hand out), `present` (how a card reads), `maintenance`
(restore and doctor).
"""
