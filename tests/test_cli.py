"""``python -m bot render`` / ``check-key`` run in-process: the real pipeline on real media
with the preview provider, and the key check against the loopback provider fakes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import av
import pytest

from bot.cli import amain, main
from bot.providers.ark import KEY_MESSAGE as ARK_KEY_MESSAGE
from bot.words import Words
from tests.fakes import FakeArk
from tests.fakes.evolink import FakeEvolink

ROOT = Path(__file__).resolve().parents[1]
PROVIDER_ENV = (
    "PROVIDER", "ARK_API_KEY", "EVOLINK_API_KEY", "FAL_KEY", "PUBLIC_BASE_URL",
    "DISCORD_TOKEN", "ARK_BASE_URL", "EVOLINK_BASE_URL",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No provider keys, no token, data under tmp_path, and no stray .env in the cwd."""
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    return data


def refs(media: Path) -> list[str]:
    return [
        "--ref", f"{media / 'images' / 'rocket.jpg'}:first_frame",
        "--ref", f"{media / 'video' / 'city_720p.mp4'}:camera_movement",
        "--ref", f"{media / 'audio' / 'loop_tabla.mp3'}:beat_sync",
    ]  # fmt: skip


PROMPT = "@image1 lifts off while the camera follows @video1, cutting on @audio1."


def test_render_with_the_preview_provider(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "clip.mp4"
    argv = ["render", *refs(media), "--prompt", PROMPT, "--provider", "preview",
            "--duration", "4", "--resolution", "480p", "--yes", "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Entry mode: reference-to-video (several references" in printed
    assert "Model:      Seedance 2.0 (standard)" in printed
    expected_prompt = (
        "@Image1 as first frame. replicate @Video1 camera movement. sync to @Audio1 beat. "
        "@Image1 lifts off while the camera follows @Video1, cutting on @Audio1."
    )
    assert f"\n  {expected_prompt}\n" in printed
    assert "1. @Image1 = rocket.jpg (@image1): first frame, api role reference_image" in printed
    assert "1. @Video1 = city_720p.mp4 (@video1): camera movement" in printed
    assert "1. @Audio1 = loop_tabla.mp3 (@audio1): beat sync" in printed
    assert printed.index("Images:") < printed.index("Videos:") < printed.index("Audio:")
    assert "Output:     4 s, 16:9, 480p, generated audio on" in printed
    # The preview's price: 4 s × 1 credit/s at 480p × 1.5 for the video reference = 6.
    assert "Price:      6 credits (4 s of 480p × 1 credits/s × 1.5 with video" in printed
    assert "Lints:      none" in printed
    assert f"Wrote {out}" in printed

    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (864, 480)
        assert container.streams.audio, "the clip should have a sound track"
        assert container.duration is not None
        assert abs(container.duration / av.time_base - 4.0) < 0.3


def test_refused_file_exits_2_with_the_limit(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["render", "--ref", f"{media / 'images' / 'chessboard_GRAY.png'}:character",
            "--prompt", "go", "-o", str(tmp_path / "x.mp4")]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "`chessboard_GRAY.png` was not added" in err
    assert "at least 300 px" in err  # the limit
    assert "200×200 px" in err  # the measure
    assert "Upload a larger version" in err  # the fix
    assert "**" not in err
    assert not (tmp_path / "x.mp4").exists()


def test_dry_run_writes_nothing(
    media: Path, tmp_path: Path, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(tmp_path.rglob("*"))
    out = tmp_path / "never.mp4"
    argv = ["render", *refs(media), "--prompt", PROMPT, "--duration", "4",
            "--resolution", "480p", "--dry-run", "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Dry run" in printed and "Price:" in printed
    assert not out.exists()
    assert not clean_env.exists()
    assert sorted(tmp_path.rglob("*")) == before


def test_dry_run_shows_lints(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", "--ref", f"{media / 'images' / 'rocket.jpg'}:first_frame",
            "--prompt", 'The rocket lifts off and she says: "Go!"', "--no-audio",
            "--dry-run"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Entry mode: image-to-video" in printed
    assert "api role first_frame" in printed
    assert "generated audio off" in printed
    assert "(dialogue_without_audio)" in printed
    assert "(redescribes_assets)" in printed  # "rocket" is the file's name


def test_natural_dialect_provider_dry_run(
    media: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "ark-secret-key-never-printed"
    monkeypatch.setenv("ARK_API_KEY", secret)
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:9")
    argv = ["render", *refs(media), "--prompt", PROMPT, "--provider", "ark",
            "--duration", "4", "--resolution", "480p", "--model", "fast", "--dry-run"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "prompt dialect: natural" in printed
    assert "Use image 1 as the first frame." in printed
    assert "image 1 lifts off while the camera follows video 1" in printed
    assert "@" not in printed.split("Prompt (exactly")[1].splitlines()[1]
    assert "Seedance 2.0 Fast (fast)" in printed
    # Ark bills the reference video's seconds too, at its lower rate with video input:
    # (4 s + 7.6 s) × 0.514 credits/s (Fast, 480p) × 0.59 = 3.5 → 4.
    assert "Price:      4 credits (4 s of 480p + 7.6 s of reference video × 0.514" in printed
    assert "× 0.59 with video references)" in printed
    assert "(tags_converted)" in printed
    assert secret not in printed + captured.err


def test_unconfigured_provider_exits_2(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", "--prompt", "a frog", "--provider", "ark", "--dry-run"]
    assert main(argv) == 2
    assert "'ark' is not configured" in capsys.readouterr().err


def test_role_of_the_wrong_kind_exits_2(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", "--ref", f"{media / 'audio' / 'loop_tabla.mp3'}:character", "--dry-run"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "loop_tabla.mp3 is an audio" in err and "background_music" in err


def test_invalid_session_exits_2(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", "--ref", f"{media / 'audio' / 'loop_tabla.mp3'}:background_music",
            "--dry-run"]  # fmt: skip
    assert main(argv) == 2
    assert "Audio alone can't anchor a video" in capsys.readouterr().err


def test_unknown_role_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["render", "--ref", "x.png:hero", "--dry-run"])
    assert exc.value.code == 2
    assert "unknown role 'hero'" in capsys.readouterr().err


def test_output_is_required_unless_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--prompt", "a frog"]) == 2
    assert "-o/--output is required" in capsys.readouterr().err


# -- check-key ------------------------------------------------------------------------


async def test_check_key_preview(capsys: pytest.CaptureFixture[str]) -> None:
    assert await amain(["check-key"]) == 0
    assert "OK" in capsys.readouterr().out


async def test_check_key_ark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeArk(work_dir=tmp_path / "fake-ark") as fake:
        monkeypatch.setenv("ARK_BASE_URL", fake.base_url)
        monkeypatch.setenv("ARK_API_KEY", fake.api_key)
        assert await amain(["check-key", "--provider", "ark"]) == 0
        assert "ark: the key works. OK" in capsys.readouterr().out
        listed = [r for r in fake.requests if r.method == "GET"]
        assert listed and listed[-1].path.endswith("/contents/generations/tasks")
        assert not fake.creates()

        wrong = "ark-wrong-key-0000000000"
        monkeypatch.setenv("ARK_API_KEY", wrong)
        assert await amain(["check-key", "--provider", "ark"]) == 1
        captured = capsys.readouterr()
        assert Words.english().text(ARK_KEY_MESSAGE) in captured.out
        assert wrong not in captured.out + captured.err
        assert fake.api_key not in captured.out + captured.err


async def test_check_key_evolink(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeEvolink() as fake:
        monkeypatch.setenv("EVOLINK_BASE_URL", fake.base_url)
        monkeypatch.setenv("EVOLINK_API_KEY", fake.api_key)
        assert await amain(["check-key", "--provider", "evolink"]) == 0
        assert "OK" in capsys.readouterr().out
        monkeypatch.setenv("EVOLINK_API_KEY", "evo-wrong")
        assert await amain(["check-key", "--provider", "evolink"]) == 1
        captured = capsys.readouterr()
        assert "FAILED" in captured.out and "evo-wrong" not in captured.out


async def test_check_key_unreachable_ark(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ARK_BASE_URL", "http://127.0.0.1:9/api/v3")
    monkeypatch.setenv("ARK_API_KEY", "k-unreachable")
    assert await amain(["check-key", "--provider", "ark"]) == 1
    assert "can't be reached" in capsys.readouterr().out


async def test_check_key_fal_not_supported_and_missing_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await amain(["check-key", "--provider", "ark"]) == 2
    assert "ARK_API_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("FAL_KEY", "fal-secret")
    assert await amain(["check-key", "--provider", "fal"]) == 0
    out = capsys.readouterr().out
    assert "not supported" in out and "fal-secret" not in out


def test_main_dispatches_render_as_a_subprocess(media: Path, tmp_path: Path) -> None:
    """Only once ``bot/__main__.py`` hands ``render``/``check-key`` to :mod:`bot.cli`."""
    source = (ROOT / "bot" / "__main__.py").read_text()
    if "bot.cli" not in source:
        pytest.skip("bot/__main__.py does not dispatch to bot.cli yet")
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "render", *refs(media), "--prompt", PROMPT,
         "--duration", "4", "--resolution", "480p", "--dry-run"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Entry mode: reference-to-video" in result.stdout


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_render_against_the_ark_fake(
    media: Path,
    tmp_path: Path,
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A real provider: references are staged under DATA_DIR and served by the asset server."""
    port = free_port()
    async with FakeArk(work_dir=tmp_path / "fake-ark") as fake:
        monkeypatch.setenv("ARK_BASE_URL", fake.base_url)
        monkeypatch.setenv("ARK_API_KEY", fake.api_key)
        monkeypatch.setenv("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("ASSET_SERVER_HOST", "127.0.0.1")
        monkeypatch.setenv("ASSET_SERVER_PORT", str(port))
        out = tmp_path / "ark.mp4"
        argv = ["render", *refs(media), "--prompt", PROMPT, "--provider", "ark",
                "--duration", "4", "--resolution", "480p", "--yes", "-o", str(out)]  # fmt: skip
        assert await amain(argv) == 0, capsys.readouterr().err
        captured = capsys.readouterr()
        assert f"Wrote {out}" in captured.out
        assert fake.api_key not in captured.out + captured.err
        body = fake.creates()[0].body
        assert body["content"][0]["text"].startswith("Use image 1 as the first frame.")
        with av.open(str(out)) as container:
            assert container.streams.video[0].codec_context.name == "h264"
        assert len(list((clean_env / "cli").rglob("*.*"))) == 3
