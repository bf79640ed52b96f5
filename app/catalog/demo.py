"""Demo catalog: an electronics-and-crafts shop, generated deterministically.

`seed_catalog(seller, products=N)` is idempotent: it creates what is missing (categories,
brands, products `DEMO-000001`...) and leaves the rest. Small catalogs get generated images;
large ones (benchmarks) are bulk-inserted without images, thousands of rows per statement.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import func, insert, select
from werkzeug.datastructures import FileStorage

from app.catalog.models import Brand, Category, Product, ProductFacetCell, ProductImage, Seller
from app.catalog.services.facets import refresh_cells
from app.catalog.services.search import refresh_search
from app.common.db import on_rollback, unit_of_work
from app.common.slugs import slugify
from app.common.storage import delete_media, save_images
from app.common.types import utcnow
from app.extensions import db

# name -> children (a dict again) or a list of product templates for a leaf:
# (base name, brands, low price, high price, spec key, spec values)
TREE: dict[str, Any] = {
    "Electronics": {
        "Phones & Tablets": {
            "Smartphones": [
                (
                    "{brand} {model} Smartphone",
                    ["Tecno", "Infinix", "Samsung", "Nokia"],
                    8000,
                    65000,
                    "Storage",
                    ["64 GB", "128 GB", "256 GB"],
                )
            ],
            "Feature Phones": [
                ("{brand} {model} Feature Phone", ["Nokia", "Tecno"], 1200, 4500, "Battery", ["1000 mAh", "1500 mAh"])
            ],
            "Tablets": [
                ("{brand} {model} Tablet", ["Samsung", "Lenovo"], 15000, 70000, "Screen", ["8 in", "10.1 in", "11 in"])
            ],
        },
        "Computers": {
            "Laptops": [
                ("{brand} {model} Laptop", ["HP", "Lenovo", "Dell"], 35000, 180000, "RAM", ["8 GB", "16 GB", "32 GB"])
            ],
            "Computer Accessories": [
                ("{brand} Wireless Mouse {model}", ["HP", "Logitech"], 800, 4500, "Colour", ["Black", "Grey"]),
                ("{brand} USB-C Hub {model}", ["Anker", "Logitech"], 2500, 9000, "Ports", ["4", "7"]),
            ],
        },
        "TV & Audio": {
            "Televisions": [
                (
                    "{brand} {model} Smart TV",
                    ["Hisense", "Samsung", "Vitron", "Sony"],
                    18000,
                    150000,
                    "Size",
                    ["32 in", "43 in", "55 in", "65 in"],
                )
            ],
            "Speakers": [
                (
                    "{brand} {model} Bluetooth Speaker",
                    ["JBL", "Sony", "Vitron"],
                    2500,
                    45000,
                    "Battery life",
                    ["10 h", "20 h"],
                )
            ],
            "Headphones": [
                ("{brand} {model} Headphones", ["Sony", "JBL", "Oraimo"], 1500, 35000, "Type", ["Over-ear", "In-ear"])
            ],
        },
    },
    "Home & Kitchen": {
        "Cookware": [
            ("{brand} Non-stick Sufuria Set {model}", ["Ramtons", "Mika"], 2500, 12000, "Pieces", ["3", "5", "7"])
        ],
        "Small Appliances": [
            ("{brand} Electric Kettle {model}", ["Ramtons", "Mika", "Von"], 1800, 6500, "Capacity", ["1.7 L", "2 L"]),
            ("{brand} Blender {model}", ["Ramtons", "Von"], 3500, 14000, "Power", ["350 W", "600 W"]),
        ],
    },
    "Crafts": {
        "Beadwork": [
            (
                "Maasai Beaded {item}",
                ["Maasai Market Co-op"],
                400,
                4500,
                "Colours",
                ["Red and blue", "Rainbow", "White and gold"],
            )
        ],
        "Baskets": [
            ("Kiondo Sisal Basket {item}", ["Kiondo Weavers"], 1500, 6500, "Size", ["Small", "Medium", "Large"])
        ],
        "Carvings": [
            ("Soapstone {item} Carving", ["Kisii Soapstone"], 600, 9000, "Height", ["10 cm", "20 cm", "30 cm"]),
            ("Olive Wood {item}", ["Akamba Carvers"], 900, 7500, "Finish", ["Natural", "Oiled"]),
        ],
        "Textiles": [
            ("Kikoy {item}", ["Kazuri Textiles"], 900, 3500, "Material", ["Cotton", "Linen"]),
            ("Kitenge Fabric {item}", ["Kazuri Textiles"], 700, 2800, "Length", ["2 yards", "6 yards"]),
        ],
    },
}

CRAFT_ITEMS = [
    "Bracelet",
    "Necklace",
    "Sandals",
    "Belt",
    "Elephant",
    "Giraffe",
    "Rhino",
    "Bowl",
    "Salad Servers",
    "Chess Set",
    "Coasters",
    "Shuka",
    "Throw",
    "Tote",
    "Key Holder",
    "Earrings",
]
PALETTE = [(198, 40, 40), (21, 101, 192), (46, 125, 50), (249, 168, 37), (106, 27, 154), (0, 131, 143), (93, 64, 55)]
DESCRIPTIONS = [
    "Genuine product with one-year warranty, delivered anywhere in Kenya.",
    "Popular with our customers in Nairobi, Mombasa and Kisumu.",
    "Handmade by artisans; each piece is unique and may differ slightly from the photo.",
    "Energy efficient and built to last. Pay with M-Pesa on delivery or online.",
]
IMAGES_UP_TO = 1000  # catalogs larger than this (benchmarks) get no generated images


def _ensure_categories(tree: dict[str, Any], parent_id: int | None = None) -> list[tuple[Category, list]]:
    """Create missing categories; return the leaves with their product templates."""
    leaves: list[tuple[Category, list]] = []
    for name, children in tree.items():
        slug = slugify(name)
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            category = Category(name=name, slug=slug, parent_id=parent_id, description=f"{name} at Duka")
            db.session.add(category)
            db.session.flush()
        if isinstance(children, dict):
            leaves += _ensure_categories(children, category.id)
        else:
            leaves.append((category, children))
    return leaves


def _ensure_brands(leaves: list[tuple[Category, list]]) -> dict[str, Brand]:
    names = sorted({brand for _, templates in leaves for template in templates for brand in template[1]})
    brands = {b.name: b for b in db.session.scalars(select(Brand).where(Brand.name.in_(names)))}
    for name in names:
        if name not in brands:
            brands[name] = Brand(name=name, slug=slugify(name))
            db.session.add(brands[name])
    db.session.flush()
    return brands


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    # Shop prices end in 99 or 00 and are whole shillings.
    raw = rng.randint(low, high)
    return Decimal(raw - raw % 100 + rng.choice([0, 99])).quantize(Decimal("0.01"))


def _product_rows(
    seller: Seller, leaves: list, brands: dict[str, Brand], start: int, stop: int
) -> list[dict[str, Any]]:
    now = utcnow()
    rows = []
    for n in range(start, stop):
        rng = random.Random(n)  # row n is the same whatever the batch size
        category, templates = leaves[n % len(leaves)]
        template, brand_names, low, high, spec_key, spec_values = rng.choice(templates)
        brand = rng.choice(brand_names)
        model = f"{rng.choice('ACFGKMPSTVXZ')}{rng.randint(2, 99)}"
        name = template.format(brand=brand, model=model, item=rng.choice(CRAFT_ITEMS))
        price = _price(rng, low, high)
        rows.append(
            {
                "seller_id": seller.id,
                "category_id": category.id,
                "brand_id": brands[brand].id,
                "name": name,
                "slug": f"{slugify(name)}-{n}",
                "description": f"{name}. {rng.choice(DESCRIPTIONS)}",
                "sku": f"DEMO-{n:06d}",
                "price": price,
                "compare_at_price": (price * Decimal("1.15")).quantize(Decimal("1.00")) if rng.random() < 0.3 else None,
                "currency": "KES",
                "stock": rng.choice([0, 3, 10, 25, 50, 120]),
                "condition": "refurbished" if rng.random() < 0.08 else "new",
                "specifications": {spec_key: rng.choice(spec_values)},
                "is_active": rng.random() > 0.02,
                # One draw for both: an average with no ratings behind it is not what the API computes.
                **_demo_rating(rng),
                "created_at": now - timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
                "updated_at": now,
            }
        )
    return rows


def _demo_rating(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.4:
        return {"rating_average": Decimal("0"), "rating_count": 0}
    return {"rating_average": Decimal(rng.randint(30, 50)) / 10, "rating_count": rng.randint(1, 400)}


def _demo_image(name: str, seed: int) -> FileStorage:
    size = 480
    color = PALETTE[seed % len(PALETTE)]
    image = Image.new("RGB", (size, size), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((36, 36, size - 36, size - 36), outline=(255, 255, 255), width=8)
    initials = "".join(word[0] for word in name.split()[:3]).upper()
    draw.text((size / 2, size / 2), initials, fill=(255, 255, 255), anchor="mm", font_size=130)
    draw.text((size / 2, size * 0.85), name[:40], fill=(255, 255, 255), anchor="mm", font_size=22)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="demo.png")


def seed_catalog(seller: Seller, products: int = 300, batch_size: int = 5000) -> dict[str, int]:
    """Create the demo catalog up to `products` products (idempotent). Returns what was created.

    A bulk load: each step is a unit of work of its own (100k products in one transaction would
    hold a lot of memory for nothing), so an interrupted seed resumes where it stopped."""
    with unit_of_work():
        leaves = _ensure_categories(TREE)
        brands = _ensure_brands(leaves)
    existing = (
        db.session.scalar(select(func.count()).where(Product.sku.like("DEMO-%"), Product.seller_id == seller.id)) or 0
    )
    created = 0
    newest_before = db.session.scalar(select(func.max(Product.id))) or 0
    for start in range(existing, products, batch_size):
        stop = min(start + batch_size, products)
        with unit_of_work():
            db.session.execute(insert(Product), _product_rows(seller, leaves, brands, start, stop))
        created += stop - start
    if created or db.session.scalar(select(ProductFacetCell.id).limit(1)) is None:
        with unit_of_work():
            refresh_search(Product.id > (newest_before if created else 0))
            refresh_cells()
    with unit_of_work():  # a few featured, for the storefront's front page (once)
        if db.session.scalar(select(Product.id).where(Product.featured_position.is_not(None)).limit(1)) is None:
            chosen = db.session.scalars(
                select(Product).where(Product.sku.like("DEMO-%"), Product.is_active).order_by(Product.id).limit(4)
            ).all()
            for position, product in enumerate(chosen):
                product.featured_position = position
    images = 0
    if products <= IMAGES_UP_TO:
        missing = db.session.execute(
            select(Product.id, Product.name)
            .where(
                Product.sku.like("DEMO-%"),
                ~select(ProductImage.id).where(ProductImage.product_id == Product.id).exists(),
            )
            .order_by(Product.id)
        ).all()
        with unit_of_work():
            for product_id, name in missing:
                upload = _demo_image(name, product_id)
                path, thumbnail = save_images(upload, [("products", 480), ("products/thumbs", 240)])
                on_rollback(delete_media, path)
                on_rollback(delete_media, thumbnail)
                db.session.add(
                    ProductImage(product_id=product_id, path=path, thumbnail_path=thumbnail, alt=name, is_primary=True)
                )
                images += 1
    return {"categories": len(leaves), "brands": len(brands), "products": created, "images": images}
