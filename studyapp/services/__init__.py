"""The services: what the app and the command line can do, over the deck, store and labs.

`studyapp.tui` and `studyapp.cli` reach the layers below only through these modules:
`study` (settings, content, and the `overview`, `progress` and `data_safety` it composes),
`review` (one review session), `labs` and `lab_results` (running labs, and what a run gives
the learner), `values` and `lab_values` (what they hand out), `content` (the modules and
card kinds), `authoring` (a module draft from Markdown), `catalog` and `lab_params` (the
labs and their parameters), `present` and `lab_tables` (how a card and a lab's tables
read), `maintenance` (export, restore and doctor).
"""
