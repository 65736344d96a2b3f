from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "shequ.notify"
    label = "notify"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from shequ.notify.services import forget_device_at_logout

        # A shared phone must not keep showing the last user's alerts after they log out.
        user_logged_out.connect(forget_device_at_logout, dispatch_uid="notify-forget-device")
