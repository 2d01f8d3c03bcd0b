"""bot/media/film.py on the shared media with real codecs: a video's last frame pixel for
pixel, a soundtrack cut at the shots into parts the upload checks accept, and shots joined
into one film whose length is theirs and whose sound is the soundtrack's."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from bot.media.film import FILM_FPS, FilmError, assemble_film, last_frame, split_soundtrack
from bot.media.probe import probe
from bot.seedance.checks import check_file
from bot.seedance.limits import DEFAULT_LIMITS

RATE = 48_000
Floats = npt.NDArray[np.float32]


# -- helpers: decode what was written, independently of the code under test ---------------


def decoded_last_frame(video: Path) -> npt.NDArray[np.uint8]:
    """Every frame decoded from the start; the last one as RGB."""
    last = None
    with av.open(str(video)) as container:
        for frame in container.decode(container.streams.video[0]):
            last = frame.to_ndarray(format="rgb24")
    assert last is not None
    return last


def pcm(path: Path, rate: int = RATE) -> Floats:
    """The first audio track, mono float at ``rate``."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    chunks: list[Floats] = []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            chunks += [c.to_ndarray()[0] for c in resampler.resample(frame)]
    chunks += [c.to_ndarray()[0] for c in resampler.resample(None)]
    return np.concatenate(chunks).astype(np.float32)


def similarity(a: Floats, b: Floats, max_lag: int = 2048) -> float:
    """The best normalised correlation of ``a`` and ``b`` within ``max_lag`` samples (codec
    delays), over ``a``'s length."""
    n = len(a) - 2 * max_lag
    assert n > 0 and len(b) >= len(a)
    core = a[max_lag : max_lag + n]
    best = 0.0
    for lag in range(-max_lag, max_lag + 1, 16):
        other = b[max_lag + lag : max_lag + lag + n]
        denom = float(np.linalg.norm(core) * np.linalg.norm(other)) or 1.0
        best = max(best, float(np.dot(core, other)) / denom)
    return best


def video_facts(path: Path) -> tuple[str, int, int, int, str]:
    """(video codec, width, height, frames decoded, audio codec)."""
    with av.open(str(path)) as container:
        vin = container.streams.video[0]
        frames = sum(1 for _ in container.decode(vin))
        audio = container.streams.audio[0].codec_context.name
        return vin.codec_context.name, vin.width, vin.height, frames, audio


def duration_s(path: Path) -> float:
    with av.open(str(path)) as container:
        assert container.duration is not None
        return float(container.duration / av.time_base)


def numbered_clip(path: Path, frames: int, fps: int, size: tuple[int, int] = (320, 240)) -> Path:
    """An H.264 clip whose frame j is a flat grey of level 8·j (to read back which source
    frame a film frame shows)."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"crf": "1"}
        for j in range(frames):
            rgb = np.full((size[1], size[0], 3), 8 * j, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = j
            frame.time_base = Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


# -- last_frame ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["video/city_720p.mp4", "video/cityCC0.mpg", "video/city_720p.webm",
             "video/city_with_music.mov"],
)  # fmt: skip
def test_last_frame_is_the_last_decoded_frame_pixel_for_pixel(
    media: Path, tmp_path: Path, name: str
) -> None:
    """H.264 MP4, MPEG-2 program stream, VP9 WebM and a MOV: the PNG holds exactly the
    pixels of the last frame a full decode from the start ends on (the function seeks near
    the end instead), at the video's size."""
    video = media / name
    out = last_frame(video, tmp_path / "last.png")
    with Image.open(out) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        got = np.asarray(image)
    want = decoded_last_frame(video)
    assert got.shape == want.shape
    assert np.array_equal(got, want)
    with av.open(str(video)) as container:  # and not merely some frame: not the first one
        first = next(container.decode(container.streams.video[0])).to_ndarray(format="rgb24")
    assert not np.array_equal(got, first)


def test_last_frame_of_a_clip_shorter_than_the_tail(tmp_path: Path) -> None:
    """A 1 s clip (shorter than the 2 s tail it seeks to) is decoded whole: its last frame
    is frame 23 (grey level 184)."""
    clip = numbered_clip(tmp_path / "short.mp4", frames=24, fps=24)
    got = np.asarray(Image.open(last_frame(clip, tmp_path / "last.png")))
    assert np.array_equal(got, decoded_last_frame(clip))
    assert abs(int(got.mean()) - 8 * 23) <= 2


@pytest.mark.parametrize("name", ["audio/loop_tabla.mp3", None])
def test_last_frame_refuses_what_has_no_moving_picture(
    media: Path, tmp_path: Path, name: str | None
) -> None:
    """Sound only, or bytes that are no media: a refusal that says what to do."""
    source = media / name if name else tmp_path / "notes.mp4"
    if name is None:
        source.write_text("not a video at all " * 100)
    with pytest.raises(FilmError) as caught:
        last_frame(source, tmp_path / "last.png")
    assert caught.value.phrase.key == "film-last-frame-unreadable"
    assert "Regenerate the previous shot" in str(caught.value)
    assert not (tmp_path / "last.png").exists()


# -- split_soundtrack ---------------------------------------------------------------------


def test_split_cuts_at_the_shot_boundaries_into_accepted_parts(media: Path, tmp_path: Path) -> None:
    """The 10.67 s tabla loop under shots of 4, 4 and 4 s: parts of 4.0, 4.0 and 2.67 s (the
    track ends inside shot 3), each an MP3 the upload checks accept as an audio reference,
    each the track's sound at its own offset."""
    track = media / "audio/loop_tabla.mp3"
    parts = split_soundtrack(track, [4, 4, 4], tmp_path / "parts")
    assert [p.name for p in parts] == [f"soundtrack-0{i}.mp3" for i in (1, 2, 3)]
    whole = pcm(track)
    for index, part in enumerate(parts):
        info = probe(part)
        assert info.kind == "audio" and info.format == "mp3"
        assert check_file(info, DEFAULT_LIMITS) == []
        sound = pcm(part)
        expected = 4.0 if index < 2 else len(whole) / RATE - 8.0
        assert len(sound) / RATE == pytest.approx(expected, abs=0.002)
        window = sound[RATE // 2 : RATE // 2 + RATE]  # 1 s inside the fades
        assert similarity(window, whole[index * 4 * RATE + RATE // 2 - 2048 :]) > 0.98


def chirp(path: Path, seconds: float, rate: int = 44_100) -> Path:
    """A WAV whose pitch rises from 200 Hz to 2 kHz: every moment of it is unlike the
    others (a loop repeats itself)."""
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * (200 * t + (1800 / (2 * seconds)) * t * t)
    pcm16 = (np.sin(phase) * 12000).astype("<i2").reshape(1, -1)
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=rate)
        stream.codec_context.layout = "mono"
        frame = av.AudioFrame.from_ndarray(pcm16, format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_split_parts_are_each_their_own_moment(tmp_path: Path) -> None:
    """A 12 s rising tone cut for shots of 4, 4 and 4 s: part i is the tone from 4·i s (to
    the sample, within the codec's delay) and unlike the tone anywhere else."""
    tone = chirp(tmp_path / "tone.wav", 12.0)
    parts = split_soundtrack(tone, [4, 4, 4], tmp_path / "parts")
    whole = pcm(tone)
    assert len(parts) == 3
    for index, part in enumerate(parts):
        window = pcm(part)[RATE : 2 * RATE]
        for other in range(3):
            at = whole[other * 4 * RATE + RATE - 2048 :]
            score = similarity(window, at)
            assert score > 0.95 if other == index else score < 0.2


def test_split_gives_no_part_to_shots_past_the_track(media: Path, tmp_path: Path) -> None:
    """Shots of 4, 5 and 4 s: the track has 1.67 s left for shot 3, under the 2 s minimum,
    so only shots 1 and 2 get a part (documented: the list is shorter)."""
    parts = split_soundtrack(media / "audio/loop_tabla.mp3", [4, 5, 4, 6], tmp_path)
    assert len(parts) == 2
    assert len(pcm(parts[1])) / RATE == pytest.approx(5.0, abs=0.002)


def test_split_a_fifteen_second_shot_gets_a_fifteen_second_part(
    media: Path, tmp_path: Path
) -> None:
    """The longest shot (15 s) of the 24 s track: a 15 s part, still within the limits."""
    (part,) = split_soundtrack(media / "audio/loop_safari_24s.mp3", [15], tmp_path)
    assert check_file(probe(part), DEFAULT_LIMITS) == []
    assert len(pcm(part)) / RATE == pytest.approx(15.0, abs=0.002)


def test_split_refuses_a_track_shorter_than_the_minimum(media: Path, tmp_path: Path) -> None:
    """The 1.57 s choir can't give the first shot 2 s: a refusal in plain numbers."""
    with pytest.raises(FilmError) as caught:
        split_soundtrack(media / "audio/ambi_choir.ogg", [5], tmp_path)
    assert caught.value.phrase.key == "film-soundtrack-short"
    text = str(caught.value)
    assert "1.6 s" in text and "at least 2 s" in text and "longer track" in text


@pytest.mark.parametrize(
    ("durations", "key", "words"),
    [
        ([], "film-no-shots", "Add a shot"),
        ([5, 3], "film-shot-length", "Shot 2 lasts 3 s, but a shot must last 4–15 s"),
        ([16], "film-shot-length", "Shot 1 lasts 16 s"),
        ([4.5, 15.25], "film-shot-length", "Shot 2 lasts 15.2 s"),
    ],
)
def test_split_refuses_shot_lengths_outside_the_clip_limits(
    media: Path, tmp_path: Path, durations: list[float], key: str, words: str
) -> None:
    with pytest.raises(FilmError) as caught:
        split_soundtrack(media / "audio/loop_tabla.mp3", durations, tmp_path)
    assert caught.value.phrase.key == key
    assert words in str(caught.value)
    assert not list(tmp_path.glob("*.mp3"))


@pytest.mark.parametrize(("name", "key"), [
    ("video/city_720p.mp4", "film-soundtrack-silent"),
    (None, "film-soundtrack-unreadable"),
])  # fmt: skip
def test_split_refuses_a_track_without_sound(
    media: Path, tmp_path: Path, name: str | None, key: str
) -> None:
    track = media / name if name else tmp_path / "song.mp3"
    if name is None:
        track.write_bytes(b"\x00garbage" * 500)
    with pytest.raises(FilmError) as caught:
        split_soundtrack(track, [5], tmp_path / "parts")
    assert caught.value.phrase.key == key


# -- assemble_film ------------------------------------------------------------------------


def test_film_joins_shots_at_the_first_size_with_their_own_sound(
    media: Path, tmp_path: Path
) -> None:
    """A 960×720 MOV with music, then a 1280×720 MP4 without sound: one H.264/AAC MP4 at
    960×720 lasting 7.6 + 7.6 s (182 + 182 frames at 24 fps); its sound is the MOV's own
    music for shot 1 and silence under shot 2."""
    mov, mp4 = media / "video/city_with_music.mov", media / "video/city_720p.mp4"
    film = assemble_film([mov, mp4], tmp_path / "film.mp4")
    assert video_facts(film) == ("h264", 960, 720, 364, "aac")
    assert duration_s(film) == pytest.approx(7.6 + 7.6, abs=2 / FILM_FPS)
    sound = pcm(film)
    assert similarity(sound[RATE : 3 * RATE], pcm(mov)[RATE - 2048 :]) > 0.95
    assert float(np.abs(sound[9 * RATE : 14 * RATE]).max()) < 1e-3


def test_film_sound_is_the_soundtrack_from_its_start(media: Path, tmp_path: Path) -> None:
    """With the 10.67 s tabla under 15.2 s of shots: the film's sound is the tabla from its
    start (not the MOV's music), then silence to the end; the picture is unchanged."""
    mov, mp4 = media / "video/city_with_music.mov", media / "video/city_720p.mp4"
    track = media / "audio/loop_tabla.mp3"
    film = assemble_film([mov, mp4], tmp_path / "film.mp4", soundtrack=track)
    assert video_facts(film) == ("h264", 960, 720, 364, "aac")
    sound, tabla = pcm(film), pcm(track)
    for start in (1, 5, 8):  # under shot 1, across the cut, under shot 2
        window = sound[start * RATE : (start + 2) * RATE]
        assert similarity(window, tabla[start * RATE - 2048 :]) > 0.95
    assert similarity(sound[RATE : 3 * RATE], pcm(mov)[RATE - 2048 :]) < 0.5
    assert float(np.abs(sound[11 * RATE : 15 * RATE]).max()) < 1e-3
    assert len(sound) / RATE == pytest.approx(364 / FILM_FPS, abs=0.05)


def test_film_cuts_a_longer_soundtrack_at_its_end(media: Path, tmp_path: Path) -> None:
    """The 24 s track under one 7.6 s shot: the sound ends with the picture."""
    film = assemble_film(
        [media / "video/city_720p.mp4"], tmp_path / "film.mp4",
        soundtrack=media / "audio/loop_safari_24s.mp3",
    )  # fmt: skip
    assert len(pcm(film)) / RATE == pytest.approx(182 / FILM_FPS, abs=0.05)
    assert duration_s(film) == pytest.approx(7.6, abs=1 / FILM_FPS)


def test_film_keeps_each_shots_speed_at_24_fps(tmp_path: Path) -> None:
    """A 25 fps shot of 50 numbered frames (2 s) becomes 48 frames at 24 fps, frame k
    showing the source frame on screen at k / 24 s (floor(k · 25 / 24)), not frame k."""
    clip = numbered_clip(tmp_path / "numbered.mp4", frames=30, fps=25)
    film = assemble_film([clip], tmp_path / "film.mp4")
    with av.open(str(film)) as container:
        levels = [
            round(float(f.to_ndarray(format="rgb24").mean()))
            for f in container.decode(container.streams.video[0])
        ]
    assert len(levels) == 29  # 1.2 s × 24
    shown = [round(level / 8) for level in levels]
    assert shown == [k * 25 // 24 for k in range(29)]


@pytest.mark.parametrize("broken", [1, 2])
def test_film_names_the_shot_it_cannot_read(media: Path, tmp_path: Path, broken: int) -> None:
    shots = [media / "video/city_720p.mp4", media / "video/city_720p.mp4"]
    bad = tmp_path / "shot.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000)
    shots[broken - 1] = bad
    with pytest.raises(FilmError) as caught:
        assemble_film(shots, tmp_path / "film.mp4")
    assert caught.value.phrase.key == "film-shot-unreadable"
    assert f"shot {broken} could not be read" in str(caught.value)
    assert not (tmp_path / "film.mp4").exists()


def test_film_refuses_no_shots_and_a_silent_soundtrack(media: Path, tmp_path: Path) -> None:
    with pytest.raises(FilmError) as caught:
        assemble_film([], tmp_path / "film.mp4")
    assert caught.value.phrase.key == "film-no-shots"
    with pytest.raises(FilmError) as caught:
        assemble_film(
            [media / "video/city_720p.mp4"], tmp_path / "film.mp4",
            soundtrack=media / "video/city_720p.mp4",
        )  # fmt: skip
    assert caught.value.phrase.key == "film-soundtrack-silent"
    assert not (tmp_path / "film.mp4").exists()
