"""Every kernels/*.cu file compiles with nvcc to PTX for sm_80 and sm_90, warnings as errors.

Skips (with the reason) where nvcc is not installed.  The files are compiled in parallel, once
per file and architecture, into a temporary folder.
"""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
SOURCES = sorted(KERNELS.glob("*.cu"))
ARCHITECTURES = ("sm_80", "sm_90")
NVCC = shutil.which("nvcc")

pytestmark = pytest.mark.skipif(NVCC is None, reason="nvcc is not installed: CUDA sources are "
                                                     "not compiled")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """(file, arch) -> the finished nvcc process, all compiled at once."""
    folder = tmp_path_factory.mktemp("ptx")

    def compile_one(job):
        source, arch = job
        output = folder / f"{source.stem}-{arch}.ptx"
        command = [NVCC, "-ptx", f"-arch={arch}", "-std=c++14", "-Werror", "all-warnings",
                   str(source), "-o", str(output)]
        return job, subprocess.run(command, capture_output=True, text=True)

    jobs = [(source, arch) for source in SOURCES for arch in ARCHITECTURES]
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(compile_one, jobs))


def test_there_are_kernels():
    assert len(SOURCES) >= 11, [s.name for s in SOURCES]


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_compiles_without_warnings(compiled, source, arch):
    result = compiled[(source, arch)]
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_opens_with_a_mapping_comment_and_has_both_precisions(source):
    text = source.read_text()
    assert text.startswith("//"), f"{source.name} must open with its comment block"
    header = text.split("\n\n")[0]
    assert "Thread mapping" in text[:3000] and "Memory layout" in text[:3000], header
    names = __import__("re").findall(r'extern "C" __global__ void (\w+)_f(32|64)\(', text)
    stems = {}
    for stem, bits in names:
        stems.setdefault(stem, set()).add(bits)
    assert stems and all(bits == {"32", "64"} for bits in stems.values()), stems
