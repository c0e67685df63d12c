from django.contrib import admin, messages
from django.db.models import Count, Q

from articles.models import Category
from newsletter.models import Delivery, SectionSetting, Send, Subscriber


def subscriber_counts():
    """(whole-site row, one row per section): confirmed and pending subscribers. Two queries."""
    confirmed = Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    pending = Q(
        confirmed_at__isnull=True, unsubscribed_at__isnull=True, requested_at__gte=Subscriber.pending_cutoff()
    )
    whole = Subscriber.objects.filter(all_sections=True).aggregate(
        confirmed=Count("pk", filter=confirmed), pending=Count("pk", filter=pending)
    )
    prefix = "subscribersection__subscriber__"
    sections = Category.objects.order_by("name").annotate(
        confirmed=Count(
            "subscribersection",
            filter=Q(**{f"{prefix}confirmed_at__isnull": False, f"{prefix}unsubscribed_at__isnull": True}),
        ),
        pending=Count(
            "subscribersection",
            filter=Q(
                **{
                    f"{prefix}confirmed_at__isnull": True,
                    f"{prefix}unsubscribed_at__isnull": True,
                    f"{prefix}requested_at__gte": Subscriber.pending_cutoff(),
                }
            ),
        ),
    )
    return whole, list(sections)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "all_sections", "requested_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("all_sections", ("confirmed_at", admin.EmptyFieldListFilter), "unsubscribed_at")
    search_fields = ("email",)
    readonly_fields = ("user", "requested_at", "confirmed_at", "unsubscribed_at")
    fields = ("email", "user", "all_sections", "requested_at", "confirmed_at", "unsubscribed_at")
    change_list_template = "admin/newsletter/subscriber/change_list.html"

    def changelist_view(self, request, extra_context=None):
        whole, sections = subscriber_counts()
        extra_context = {**(extra_context or {}), "whole_site_counts": whole, "section_counts": sections}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(SectionSetting)
class SectionSettingAdmin(admin.ModelAdmin):
    list_display = ("category", "auto_send", "auto_send_since")
    list_select_related = ("category",)


def with_progress(queryset):
    counts = {
        f"{status.value}_count": Count("deliveries", filter=Q(deliveries__status=status))
        for status in Delivery.Status
    }
    return queryset.select_related("article").annotate(total_count=Count("deliveries"), **counts)


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    list_display = ("article", "created_at", "progress", "queued", "sent", "failed", "skipped", "finished_at")
    readonly_fields = (
        "article",
        "created_at",
        "finished_at",
        "progress",
        "queued",
        "sent",
        "failed",
        "skipped",
    )
    fields = readonly_fields
    actions = ["resume_sending"]

    def get_queryset(self, request):
        return with_progress(super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # made when an article is published with "send to subscribers"

    @admin.display(description="queued")
    def queued(self, send):
        return send.queued_count + send.sending_count

    @admin.display(description="sent")
    def sent(self, send):
        return send.sent_count

    @admin.display(description="failed")
    def failed(self, send):
        return send.failed_count

    @admin.display(description="skipped (unsubscribed)")
    def skipped(self, send):
        return send.skipped_count

    @admin.display(description="progress")
    def progress(self, send):
        done = send.sent_count + send.failed_count + send.skipped_count
        return (
            f"{done} of {send.total_count} ({done * 100 // send.total_count if send.total_count else 100}%)"
        )

    @admin.action(description="Resume sending (after a crash, or once the article is published again)")
    def resume_sending(self, request, queryset):
        from newsletter.tasks import resume  # not at import: defining tasks reads TASKS (see signals.py)

        unfinished = [send for send in queryset if send.queued_count + send.sending_count]
        for send in unfinished:
            resume(send)
        self.message_user(request, f"{len(unfinished)} send(s) queued again.", messages.SUCCESS)
