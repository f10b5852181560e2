"""Supplies: the catalogue, lots and their ledger, requests and donation offers.

Stock is never stored as a number someone types: every change is a :class:`LedgerEntry` in a
:class:`StockTransaction`, and :class:`StockBalance` is the running sum of the ledger per lot and
site, kept in the same database transaction (``ledger.py``). Its check constraints make a
negative balance impossible even when two movements race on PostgreSQL.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from medmissions.supplies.choices import (
    AdjustmentReason,
    DosageForm,
    ItemCategory,
    LotSource,
    MovementKind,
    OfferStatus,
    Priority,
    RequestStatus,
    RunStatus,
    ShipmentStatus,
)


class Item(models.Model):
    """A product in the shared catalogue: one generic (INN) name, strength and dosage form."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(
        _("generic name"),
        max_length=200,
        help_text=_("International non-proprietary name (INN) for medicines."),
    )
    strength = models.CharField(
        _("strength"), max_length=80, blank=True, help_text=_("For example 500 mg or 250 mg/5 ml.")
    )
    dosage_form = models.CharField(_("dosage form"), max_length=30, choices=DosageForm.choices, blank=True)
    unit = models.CharField(
        _("unit of issue"),
        max_length=60,
        help_text=_("What one counted unit is: tablet, vial, bottle of 100 ml, piece…"),
    )
    category = models.CharField(_("category"), max_length=20, choices=ItemCategory.choices)
    cold_chain = models.BooleanField(_("cold chain"), default=False)
    controlled_substance = models.BooleanField(_("controlled substance"), default=False)
    essential_medicine = models.BooleanField(_("on the WHO Essential Medicines List"), default=False)
    unit_weight_grams = models.DecimalField(
        _("weight of one unit (g)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Used to estimate parcel weights."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["name", "strength", "dosage_form"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(category__in=["medicine", "vaccine"]) | ~Q(strength=""),
                name="supplies_item_medicine_has_strength",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("supplies:item", args=[self.code])

    @property
    def label(self) -> str:
        # "amoxicillin 500 mg capsule": the form reads as part of the name, so in lower case.
        form = str(self.get_dosage_form_display()).lower() if self.dosage_form else ""
        parts = [self.name, self.strength, form]
        return " ".join(str(part) for part in parts if part)

    @property
    def minimum_shelf_life_days(self) -> int:
        return minimum_shelf_life_days(self.category)

    @property
    def unit_label(self) -> str:
        """The unit of issue in the reader's language (seeded units are in the catalogue)."""
        return gettext(self.unit)


# Requests and shipments are planned at most this far ahead: later dates are typing mistakes, and
# date arithmetic on them (expiry = arrival + shelf life) would overflow.
PLANNING_HORIZON_DAYS = 3650


def latest_planning_date(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=PLANNING_HORIZON_DAYS)


def minimum_shelf_life_days(category: str) -> int:
    """Days a lot of this category must still have before expiry when it arrives (WHO article 6)."""
    rules: dict[str, int] = settings.SUPPLIES_MIN_SHELF_LIFE_DAYS
    return int(rules.get(category, rules.get("medicine", 365)))


class Kit(models.Model):
    """A bundle of items requested as one (a clinic kit, a delivery kit): it expands into items."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("kit")
        verbose_name_plural = _("kits")
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name)


class KitLine(models.Model):
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="kit_lines")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("kit line")
        verbose_name_plural = _("kit lines")
        ordering = ["kit", "item__name"]
        constraints = [models.UniqueConstraint(fields=["kit", "item"], name="supplies_kitline_unique")]

    def __str__(self) -> str:
        return f"{self.kit}: {self.quantity} × {self.item}"


class LotQuerySet(models.QuerySet["Lot"]):
    def visible_to(self, user) -> LotQuerySet:
        """Lots the user's organisations own, donated or handed over, and lots held at their sites."""
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        if not own:
            return self.none()
        # The organisation that handed a lot over keeps seeing the host's copy of it: the donor
        # and the sender answer for where the goods went.
        return self.filter(
            Q(owner_id__in=own)
            | Q(donor_id__in=own)
            | Q(origin__owner_id__in=own)
            | Q(balances__site__host_organization_id__in=own)
        ).distinct()


class Lot(models.Model):
    """A batch of one item with one lot number and expiry, owned by one organisation.

    The quantities of a lot live in the ledger, per site (``StockBalance``); a lot handed over to
    a host becomes a new lot owned by the host, linked through ``origin`` so that a donor can
    follow its goods to the end.
    """

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(_("lot number"), max_length=80)
    expiry_date = models.DateField(
        _("expiry date"), null=True, blank=True, help_text=_("Empty only for items that do not expire.")
    )
    owner = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_lots",
    )
    source = models.CharField(_("source"), max_length=20, choices=LotSource.choices)
    donor = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("donor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donated_lots",
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    unit_value = models.DecimalField(
        _("value per unit"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Wholesale price of the generic equivalent (WHO article 11)."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    label_language = models.ForeignKey(
        "core.Language",
        verbose_name=_("label language"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offer = models.ForeignKey(
        "supplies.DonationOffer",
        verbose_name=_("donation offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lots",
    )
    origin = models.ForeignKey(
        "self",
        verbose_name=_("handed over from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handed_over_as",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["expiry_date", "item__name", "lot_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="procured", donor__isnull=True) | Q(source="donated", donor__isnull=False),
                name="supplies_lot_donor_iff_donated",
            ),
            models.CheckConstraint(condition=Q(unit_value__gte=0), name="supplies_lot_value_not_negative"),
        ]
        indexes = [models.Index(fields=["owner", "expiry_date"], name="supplies_lot_owner_expiry")]

    def __str__(self) -> str:
        expiry = self.expiry_date.isoformat() if self.expiry_date else gettext("no expiry")
        return f"{self.item} — {self.lot_number} ({expiry})"

    def get_absolute_url(self) -> str:
        return reverse("supplies:lot", args=[self.pk])

    def days_to_expiry(self, today: datetime.date) -> int | None:
        return None if self.expiry_date is None else (self.expiry_date - today).days

    def meets_shelf_life(self, arrival: datetime.date, minimum_days: int | None = None) -> bool:
        """True when the lot still has the minimum shelf life on ``arrival`` (WHO article 6).

        A lot expiring exactly ``minimum_days`` after arrival meets the rule; a day less does not.
        """
        if self.expiry_date is None:
            return True
        needed = self.item.minimum_shelf_life_days if minimum_days is None else minimum_days
        return self.expiry_date >= arrival + datetime.timedelta(days=needed)


class StockBalanceQuerySet(models.QuerySet["StockBalance"]):
    def visible_to(self, user) -> StockBalanceQuerySet:
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(lot__owner_id__in=own) | Q(lot__donor_id__in=own) | Q(site__host_organization_id__in=own)
        ).distinct()


class StockBalance(models.Model):
    """How much of a lot is at a site: the sum of the lot's ledger entries there.

    ``reserved`` is the part promised to accepted allocations or shipments being picked;
    ``on_hand - reserved`` is available. The database refuses any row where a quantity is
    negative or more is reserved than is on hand.
    """

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="stock_balances")
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    reserved = models.BigIntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StockBalanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["lot", "site"], name="supplies_balance_lot_site_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="supplies_balance_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="supplies_balance_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("on_hand")),
                name="supplies_balance_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} @ {self.site}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockTransaction(models.Model):
    """One movement of stock (a receipt, a shipment leaving, a consumption…): the ledger's header.

    Transactions are never edited or deleted; a mistake is corrected by an adjustment.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("recorded for"),
        on_delete=models.PROTECT,
        related_name="stock_transactions",
    )
    occurred_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=30, choices=AdjustmentReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    request = models.ForeignKey(
        "supplies.SupplyRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    shipment = models.ForeignKey(
        "supplies.Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    mission = models.ForeignKey(
        "missions.Mission", null=True, blank=True, on_delete=models.PROTECT, related_name="stock_transactions"
    )
    recipient = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("handed over to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_received_by_handover",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock transaction")
        verbose_name_plural = _("stock transactions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(reason=""),
                name="supplies_transaction_adjustment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class LedgerEntry(models.Model):
    """One line of the ledger: a change of one lot's quantities at one site."""

    transaction = models.ForeignKey(StockTransaction, on_delete=models.PROTECT, related_name="entries")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="ledger_entries")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="ledger_entries")
    on_hand_change = models.BigIntegerField(_("change on hand"))
    reserved_change = models.BigIntegerField(_("change reserved"), default=0)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["transaction_id", "pk"]
        indexes = [models.Index(fields=["lot", "site"], name="supplies_ledger_lot_site")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_change=0) | ~Q(reserved_change=0),
                name="supplies_ledger_entry_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} @ {self.site}: {self.on_hand_change:+d} / {self.reserved_change:+d}"


class SupplyRequestQuerySet(models.QuerySet["SupplyRequest"]):
    def visible_to(self, user) -> SupplyRequestQuerySet:
        """Requests of the user's organisations, requests for their sites, and submitted
        requests offered to donors (``open_to_donors``), which every signed-in person may see."""
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(organization_id__in=own)
            | Q(destination__host_organization_id__in=own)
            | Q(mission__partnership__parties__organization_id__in=own)
            | Q(open_to_donors=True, status__in=[RequestStatus.SUBMITTED, RequestStatus.CLOSED])
        ).distinct()


class SupplyRequest(models.Model):
    """What a mission or a host site asks for, by a date, with a priority."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="supply_requests",
    )
    destination = models.ForeignKey(
        "sites.Site", verbose_name=_("deliver to"), on_delete=models.PROTECT, related_name="supply_requests"
    )
    mission = models.ForeignKey(
        "missions.Mission",
        verbose_name=_("mission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supply_requests",
    )
    need = models.ForeignKey(
        "missions.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supply_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    needed_by = models.DateField(_("needed by"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    note = models.TextField(_("note"), blank=True)
    open_to_donors = models.BooleanField(
        _("open to donors"),
        default=False,
        help_text=_("Supply donors on medmissions can see it and offer donations."),
    )
    shorter_shelf_life_days = models.PositiveIntegerField(
        _("shorter shelf life accepted (days)"),
        null=True,
        blank=True,
        help_text=_(
            "WHO article 6 exception: a professional at the receiving facility accepts lots with less shelf life left."
        ),
    )
    shelf_life_acknowledged_by = models.CharField(_("acknowledged by"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SupplyRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("supply request")
        verbose_name_plural = _("supply requests")
        ordering = ["needed_by", "-priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shorter_shelf_life_days__isnull=True) | ~Q(shelf_life_acknowledged_by=""),
                name="supplies_request_exception_acknowledged",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("supplies:request", args=[self.pk])

    def minimum_shelf_life_days(self, item: Item) -> int:
        if self.shorter_shelf_life_days is not None:
            return min(self.shorter_shelf_life_days, item.minimum_shelf_life_days)
        return item.minimum_shelf_life_days


class RequestLine(models.Model):
    """One item and quantity of a request. A requested kit becomes one line per item of the kit,
    each remembering the kit it came from."""

    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="request_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    kit = models.ForeignKey(
        Kit, verbose_name=_("from kit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("request line")
        verbose_name_plural = _("request lines")
        ordering = ["request", "item__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="supplies_request_line_item_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="supplies_request_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"


class DonationOfferQuerySet(models.QuerySet["DonationOffer"]):
    def visible_to(self, user) -> DonationOfferQuerySet:
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(donor_id__in=own)
            | Q(recipient_id__in=own)
            | Q(request__organization_id__in=own)
            | Q(request__destination__host_organization_id__in=own)
        ).distinct()


class DonationOffer(models.Model):
    """A donor's offer of goods, ideally answering a request. An offer answering no request is
    flagged as unrequested: WHO article 1 asks for donations based on an expressed need."""

    donor = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("donor"),
        on_delete=models.PROTECT,
        related_name="donation_offers",
    )
    recipient = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("offered to"),
        on_delete=models.PROTECT,
        related_name="donation_offers_received",
    )
    request = models.ForeignKey(
        SupplyRequest,
        verbose_name=_("answers request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offers",
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note with the decision"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)

    objects = DonationOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("donation offer")
        verbose_name_plural = _("donation offers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.donor} → {self.recipient} ({self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("supplies:offer", args=[self.pk])

    @property
    def unrequested(self) -> bool:
        return self.request_id is None


class OfferLine(models.Model):
    offer = models.ForeignKey(DonationOffer, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="offer_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")
        ordering = ["offer", "item__name", "pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"


class AllocationRun(models.Model):
    """One run of the allocation optimiser over an organisation's stock and a set of requests,
    kept for review: its inputs, the proposal, the requests it could not meet and why."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="allocation_runs"
    )
    requests = models.ManyToManyField(SupplyRequest, related_name="allocation_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    inputs = models.JSONField(_("inputs"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    timings = models.JSONField(_("timings (seconds)"), default=dict)
    fulfilment_percent = models.DecimalField(
        _("fulfilment (%)"), max_digits=6, decimal_places=2, default=Decimal(0)
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} — {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("supplies:run", args=[self.pk])


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def open(self) -> AllocationQuerySet:
        return self.filter(released_at__isnull=True)


class Allocation(models.Model):
    """Units of one lot at one site promised to one request line: a reservation in the ledger.

    ``shipped`` grows as shipments carrying it are sent; what is neither shipped nor released
    stays reserved.
    """

    line = models.ForeignKey(RequestLine, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="allocations")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    shipped = models.PositiveIntegerField(_("shipped"), default=0)
    run = models.ForeignKey(
        AllocationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="allocations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["line", "lot__expiry_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="supplies_allocation_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(shipped__lte=models.F("quantity")),
                name="supplies_allocation_shipped_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.lot} → {self.line.request}"

    @property
    def outstanding(self) -> int:
        """Units still reserved for the line and not yet sent."""
        return 0 if self.released_at else self.quantity - self.shipped


class ShipmentQuerySet(models.QuerySet["Shipment"]):
    def visible_to(self, user) -> ShipmentQuerySet:
        """Shipments of the user's organisations, shipments to their sites, and, for donors,
        shipments carrying lots they donated."""
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(organization_id__in=own)
            | Q(destination__host_organization_id__in=own)
            | Q(origin__host_organization_id__in=own)
            | Q(items__lot__donor_id__in=own)
        ).distinct()


class Shipment(models.Model):
    """Goods travelling from one site to another, parcel by parcel, lot by lot."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    origin = models.ForeignKey(
        "sites.Site", verbose_name=_("from"), on_delete=models.PROTECT, related_name="shipments_out"
    )
    destination = models.ForeignKey(
        "sites.Site", verbose_name=_("to"), on_delete=models.PROTECT, related_name="shipments_in"
    )
    mission = models.ForeignKey(
        "missions.Mission",
        verbose_name=_("mission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.PICKING
    )
    planned_arrival = models.DateField(_("planned arrival"))
    carrier = models.CharField(_("carrier"), max_length=120, blank=True)
    tracking_reference = models.CharField(_("tracking reference"), max_length=120, blank=True)
    note = models.TextField(_("note"), blank=True)
    packed_at = models.DateTimeField(_("packed at"), null=True, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    in_transit_at = models.DateTimeField(_("in transit since"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receipt_note = models.TextField(_("note on receipt"), blank=True)
    cancelled_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(origin=models.F("destination")), name="supplies_shipment_goes_somewhere"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("supplies:shipment", args=[self.pk])


class Parcel(models.Model):
    """A numbered carton (or box, or suitcase) of a shipment: the unit of the packing list."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="parcels")
    number = models.PositiveSmallIntegerField(_("number"))
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["shipment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "number"], name="supplies_parcel_number_unique"),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="supplies_parcel_weight_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Parcel %(number)s") % {"number": self.number}


class ShipmentItem(models.Model):
    """Units of one lot in a shipment, with what the receiver counted on arrival."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="shipment_items")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    allocation = models.ForeignKey(
        Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="shipment_items"
    )
    parcel = models.ForeignKey(Parcel, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    received_quantity = models.PositiveIntegerField(_("received"), default=0)

    class Meta:
        verbose_name = _("shipment item")
        verbose_name_plural = _("shipment items")
        ordering = ["shipment", "parcel__number", "lot__item__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="supplies_shipment_item_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(received_quantity__lte=models.F("quantity")),
                name="supplies_shipment_item_received_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.lot}"


class StockLevelQuerySet(models.QuerySet["StockLevel"]):
    def visible_to(self, user) -> StockLevelQuerySet:
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(Q(organization_id__in=own) | Q(site__host_organization_id__in=own))


class StockLevel(models.Model):
    """The least of an item an organisation wants available at a site, such as a field clinic's
    minimum of ORS: below it, the site shows on the low-stock report and alerts go out."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="stock_levels",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="stock_levels"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="stock_levels"
    )
    minimum = models.PositiveIntegerField(_("minimum available"), validators=[MinValueValidator(1)])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        verbose_name = _("minimum stock level")
        verbose_name_plural = _("minimum stock levels")
        ordering = ["site__name", "item__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "site", "item"], name="supplies_stock_level_unique"
            ),
            models.CheckConstraint(condition=Q(minimum__gte=1), name="supplies_stock_level_minimum_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.site}: {self.minimum}"


class SupplyAlertLog(models.Model):
    """What ``send-supply-alerts`` sent, keyed so that a re-run never sends the same alert twice."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supply alert sent")
        verbose_name_plural = _("supply alerts sent")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
