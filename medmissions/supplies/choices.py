from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ItemCategory(models.TextChoices):
    MEDICINE = "medicine", _("Medicine")
    VACCINE = "vaccine", _("Vaccine")
    CONSUMABLE = "consumable", _("Consumable")
    EQUIPMENT = "equipment", _("Equipment")


class DosageForm(models.TextChoices):
    """Dosage forms of the catalogue; blank for consumables and equipment."""

    TABLET = "tablet", _("Tablet")
    DISPERSIBLE_TABLET = "dispersible_tablet", _("Dispersible tablet")
    CAPSULE = "capsule", _("Capsule")
    ORAL_LIQUID = "oral_liquid", _("Oral liquid")
    POWDER_FOR_ORAL_LIQUID = "powder_oral_liquid", _("Powder for oral liquid")
    ORAL_POWDER = "oral_powder", _("Oral powder (sachet)")
    INJECTION = "injection", _("Injection")
    POWDER_FOR_INJECTION = "powder_injection", _("Powder for injection")
    INFUSION = "infusion", _("Infusion")
    CREAM = "cream", _("Cream")
    OINTMENT = "ointment", _("Ointment")
    GEL = "gel", _("Gel")
    TOPICAL_SOLUTION = "topical_solution", _("Topical solution")
    EYE_DROPS = "eye_drops", _("Eye drops")
    EYE_OINTMENT = "eye_ointment", _("Eye ointment")
    EAR_DROPS = "ear_drops", _("Ear drops")
    INHALATION = "inhalation", _("Inhalation")
    SUPPOSITORY = "suppository", _("Suppository")
    PESSARY = "pessary", _("Pessary")
    IMPLANT = "implant", _("Implant")
    RAPID_TEST = "rapid_test", _("Rapid diagnostic test")


class LotSource(models.TextChoices):
    """Where a lot came from. WHO article 5 forbids returned medicines and free samples, so
    they are not choices at all."""

    DONATED = "donated", _("Donated")
    PROCURED = "procured", _("Procured")


class MovementKind(models.TextChoices):
    """The kinds of ledger transaction. Each changes on-hand and reserved quantities of lots
    at sites; see ``ledger.py`` for the sign rules of each kind."""

    RECEIPT = "receipt", pgettext_lazy("stock movement", "Receipt")
    RESERVATION = "reservation", pgettext_lazy("stock movement", "Reservation")
    RELEASE = "release", pgettext_lazy("stock movement", "Reservation released")
    SHIPMENT_OUT = "shipment_out", pgettext_lazy("stock movement", "Shipment out")
    RECEIPT_IN = "receipt_in", pgettext_lazy("stock movement", "Received from shipment")
    CONSUMPTION = "consumption", pgettext_lazy("stock movement", "Consumption")
    ADJUSTMENT = "adjustment", pgettext_lazy("stock movement", "Adjustment")
    EXPIRY_WRITE_OFF = "expiry_write_off", pgettext_lazy("stock movement", "Expiry write-off")
    HANDOVER = "handover", pgettext_lazy("stock movement", "Handover to host")


class AdjustmentReason(models.TextChoices):
    """Reason codes for adjustments (a subset of OpenBoxes' reason codes, see interop.md §5.1)."""

    RECOUNTED = "recounted", _("Recounted (physical count)")
    FOUND = "found", _("Found")
    MISSING = "missing", _("Missing")
    DAMAGED = "damaged", _("Damaged")
    STOLEN = "stolen", _("Stolen")
    COLD_CHAIN_FAILURE = "cold_chain_failure", _("Cold chain failure")
    RECALLED = "recalled", _("Recalled by the manufacturer")
    DATA_ENTRY_ERROR = "data_entry_error", _("Data entry error")
    OTHER = "other", _("Other (explain in the note)")


class Priority(models.IntegerChoices):
    """A request's priority; the optimiser weighs fulfilment by ``PRIORITY_WEIGHTS``."""

    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


# Steep but finite: one critical line outweighs three high ones, yet enough normal lines can
# outweigh a critical one, as a coordinator weighing a whole season would expect.
PRIORITY_WEIGHTS: dict[int, int] = {
    Priority.LOW: 1,
    Priority.NORMAL: 3,
    Priority.HIGH: 9,
    Priority.CRITICAL: 27,
}


class RequestStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("supply request status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("supply request status", "Submitted")
    CLOSED = "closed", pgettext_lazy("supply request status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("supply request status", "Cancelled")


class OfferStatus(models.TextChoices):
    OFFERED = "offered", pgettext_lazy("donation offer status", "Offered")
    ACCEPTED = "accepted", pgettext_lazy("donation offer status", "Accepted")
    DECLINED = "declined", pgettext_lazy("donation offer status", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("donation offer status", "Withdrawn")


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("allocation run status", "Proposed")
    ACCEPTED = "accepted", pgettext_lazy("allocation run status", "Accepted")
    DISCARDED = "discarded", pgettext_lazy("allocation run status", "Discarded")


class ShipmentStatus(models.TextChoices):
    """picking → packed → sent → in transit → received (or partly received on the way there)."""

    PICKING = "picking", pgettext_lazy("shipment status", "Picking")
    PACKED = "packed", pgettext_lazy("shipment status", "Packed")
    SENT = "sent", pgettext_lazy("shipment status", "Sent")
    IN_TRANSIT = "in_transit", pgettext_lazy("shipment status", "In transit")
    PARTLY_RECEIVED = "partly_received", pgettext_lazy("shipment status", "Partly received")
    RECEIVED = "received", pgettext_lazy("shipment status", "Received")
    CANCELLED = "cancelled", pgettext_lazy("shipment status", "Cancelled")
