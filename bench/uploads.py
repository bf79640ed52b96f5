"""Peak memory of one image upload, each case in a fresh process: the process's resident-memory
high-water mark is reset just before the upload (/proc/self/clear_refs) and read just after
(VmHWM), less the resident memory before it.

    .venv/bin/python bench/uploads.py

Cases: a decompression bomb (an 8900 x 8900 RGBA PNG of ~300 KB: refused from its header), a
24-megapixel JPEG camera photo and a 25-megapixel PNG (the largest accepted), each stored as a
product image and its thumbnail (app/common/storage.py save_images).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import io, json, sys, tempfile
sys.path.insert(0, sys.argv[1])
from PIL import Image
from werkzeug.datastructures import FileStorage
from app import create_app
from app.common import storage
data = open(sys.argv[2], "rb").read()
app = create_app("testing", overrides={"MEDIA_ROOT": tempfile.mkdtemp(), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
with app.test_request_context():
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset VmHWM to the current RSS
    upload = FileStorage(io.BytesIO(data), filename="x")
    try:
        save = getattr(storage, "save_images", None)
        if save:
            save(upload, [("products", 1600), ("products/thumbs", 400)])
        else:  # the code before issue 10: decoded once per size
            storage.save_image(upload, "products", max_side=1600)
            upload.stream.seek(0)
            storage.save_image(upload, "products/thumbs", max_side=400)
        outcome = "stored"
    except Exception as exc:
        outcome = f"refused ({type(exc).__name__})"
    after = status("VmHWM")
print(json.dumps({"outcome": outcome, "peak_mb": round((after - before) / 1024, 1)}))
"""


def cases(workdir: Path) -> dict[str, Path]:
    from PIL import Image

    made = {}
    bomb = io.BytesIO()
    Image.new("RGBA", (8900, 8900), (0, 0, 0, 0)).save(bomb, format="PNG", optimize=True)
    made["bomb PNG 8900x8900 RGBA"] = bomb
    photo = io.BytesIO()
    Image.linear_gradient("L").resize((6000, 4000)).convert("RGB").save(photo, format="JPEG", quality=85)
    made["JPEG 6000x4000 (24 MP)"] = photo
    largest = io.BytesIO()
    Image.linear_gradient("L").resize((5000, 5000)).convert("RGBA").save(largest, format="PNG")
    made["PNG 5000x5000 RGBA (25 MP)"] = largest
    paths = {}
    for name, buffer in made.items():
        path = workdir / (name.split()[0] + str(len(paths)))
        path.write_bytes(buffer.getvalue())
        paths[name] = path
    return paths


def main() -> None:
    code_root = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    workdir = Path(tempfile.mkdtemp(prefix="duka-uploads-"))
    print(f"code: {code_root}")
    for name, path in cases(workdir).items():
        out = subprocess.run([sys.executable, "-c", CHILD, str(code_root), str(path)], capture_output=True, text=True)
        failed = {"error": out.stderr[-300:]}
        result = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else failed
        size_kb = path.stat().st_size // 1024
        print(f"{name:30} {size_kb:7d} KB  {result}")


if __name__ == "__main__":
    main()
