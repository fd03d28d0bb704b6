from django import forms

from .models import ServiceSettings


class ServiceSettingsForm(forms.ModelForm):
    class Meta:
        model = ServiceSettings
        fields = [
            "service_name",
            "phone",
            "municipality",
            "organisation_model",
            "beds",
            "max_consecutive_nights",
            "follow_up_days",
            "follow_up_max_attempts",
            "goal_phone_wait_minutes",
            "goal_walk_in_wait_minutes",
            "goal_call_back_hours",
        ]
