from django.dispatch import Signal

# Sent with ``person_ids`` after persons were changed by a bulk UPDATE, which sends no post_save:
# figures counted from their contacts (by CPR or age) must be counted again.
persons_changed = Signal()
