from django.utils import timezone

from newsletter.models import Subscriber, SubscriberSection


def make_subscriber(email, *, sections=None, confirmed=True):
    subscriber = Subscriber.objects.create(
        email=email, all_sections=sections is None, confirmed_at=timezone.now() if confirmed else None
    )
    SubscriberSection.objects.bulk_create(
        [SubscriberSection(subscriber=subscriber, category=c) for c in sections or []]
    )
    return subscriber
