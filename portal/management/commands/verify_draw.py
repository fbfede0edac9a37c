from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.models import Draw
from portal.services.draws import verify_draw


class Command(BaseCommand):
    help = (
        "Recompute a performed draw from its seed, commitment and frozen entrant list; "
        "exit 1 on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        draw = Draw.objects.filter(pk=options["draw_id"]).first()
        if draw is None:
            raise CommandError(f"There is no draw {options['draw_id']}.", returncode=2)
        result = verify_draw(draw)
        self.stdout.write(f"Draw {draw.pk}: {draw.title}")
        self.stdout.write(f"  commitment  {draw.commitment}")
        self.stdout.write(f"  seed        {draw.revealed_seed or '(not revealed)'}")
        self.stdout.write(f"  entrants    {len(result.entry_ids)} (frozen: {draw.entrant_count})")
        for step in result.steps:
            role = "winner" if step.pick < draw.winners_count else "alternate"
            self.stdout.write(
                f"  pick {step.pick}: HMAC(seed, {step.message!r}) mod {step.remaining} "
                f"-> position {step.index} -> entry {step.entry_id} ({role})"
            )
        self.stdout.write(f"  recorded    {result.recorded}")
        self.stdout.write(f"  recomputed  {result.recomputed}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"MISMATCH: {problem}")
            raise CommandError(f"Draw {draw.pk} does not verify.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Draw {draw.pk} verifies."))
