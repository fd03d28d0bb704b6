"""The leader's dashboard, the evaluator's pseudonymised exports and the cost entries.

Where a figure lives, from its rule to its test:

- **Records of a period**: ``queries`` (one function per kind: ``contacts``, ``stays``,
  ``follow_ups``, …), shared by the dashboard and the exports; periods and presets in ``periods``.
- **Rules written once**: a citizen's age in ``akuttilbud.cpr.age`` (``people.Age`` for the
  ORM); a contact's first contact ever in ``people.is_first_contact``; the age band
  (``age_band`` in Python, ``age_band_expression`` for the ORM), the pseudonym and the record key
  (``pseudonym`` and ``record_key`` in Python, ``Pseudonym`` and ``RecordKey`` for the ORM:
  pgcrypto's ``hmac()`` on PostgreSQL, a registered function on SQLite) in ``people``; a wait or
  duration in whole seconds in ``akuttilbud.expressions.WholeSeconds``; a local time with its UTC
  offset in ``akuttilbud.expressions.local_timestamp`` (``LocalTimestamp`` for the ORM).
- **Per-day summaries** (``models``: ``ContactDay`` … ``FollowUpDay`` on ``PerDay``, the monthly
  rollups on ``PerMonth``, a day table and its rollup sharing one base of counts such as
  ``ContactCounts``): the services that write contacts, persons, plans, follow-ups and referrals
  mark the days they change in their own transaction (``summaries.contact_changed``,
  ``persons_changed``, ``referral_changed``, ``plan_changed``, ``follow_up_changed``; the rule
  of what changes which day is in ``summaries``' docstring); ``summaries`` says which days are
  stale and brings them up to date before a figure reads them (``ensure``, ``fresh``, the
  nightly ``refresh``); ``counting`` counts a day's records into the tables. Tests:
  ``tests/reporting/test_summaries.py``, ``test_summary_marks.py`` (every write service against
  a full recount).
- **Figures**: ``figures`` (contacts, citizens, channels, reasons, the heat map, waits, under 18,
  missing CPR numbers, plans per walk-in, costs, the monthly trend) and ``care_figures`` (bed
  occupancy, follow-ups, referrals, SWEMWBS), each a function of a period. Tests:
  ``tests/reporting/test_figures.py``. The phone line's service level (its definitions in
  ``telephony.service_level``, read from ``telephony.call_summary``) and its call-backs kept
  within the promised time are laid out by ``line_figures``. Tests:
  ``tests/reporting/test_line_figures.py``.
- **The dashboard page**: ``dashboard`` lays each figure out as a ``figure.Figure`` (table,
  chart and CSV from the same rows) for ``views.dashboard`` and ``views.figure_csv``, and opens
  with ``headline``'s six figures beside the previous period; ``views.monthly_report`` prints
  the same for one month (A4). A period not over yet counts what has happened by now (the rules
  in ``docs/dashboard.md``). Tests: ``tests/reporting/test_dashboard.py``,
  ``test_partial_periods.py``; in a browser ``tests/browser/test_viewport_dashboard.py``.
- **Exports**: the package ``exports`` (its docstring lists a module per file kind; the contacts
  file has a PostgreSQL COPY twin in ``exports.contacts_copy``), audited by
  ``services.record_export``, served by ``views.exports`` and ``views.linkage_key`` and
  ``manage.py export_evaluation``. Tests: ``tests/reporting/test_exports.py``,
  ``test_export_copy.py`` (the two paths byte for byte), ``test_export_contacts.py`` (every
  cell its Python rule), ``test_export_first_contact.py``,
  ``test_people.py``, and ``test_rebuild_from_exports.py``: every dashboard figure rebuilt from
  the files alone with the ``csv`` module, for a generated year (``tests/reporting/year.py``).
- **Costs**: ``CostEntry`` in ``models``, ``views.cost_*``, ``forms.CostEntryForm``. Tests:
  ``tests/reporting/test_costs.py``.

Database differences (COPY, locks, settings) go through ``akuttilbud.database``; benchmark data
comes from ``bench/`` (``manage.py generate_load_data``).
"""
