"""Load demo categories, products (with generated pictures) and demo logins.

Safe to run again: categories are keyed by name, products by SKU, groups and
users by name, and only the missing ones are created. Existing rows, their
pictures and passwords are left exactly as they are; a role group only gains the
permissions it lacks, and a demo user joins its group if it is not in it.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from accounts.groups import CATALOG_EDITORS, FEED_WATCHERS, role_group
from products.editing import writes
from products.history.actor import acting_as
from products.history.batches import BatchItem
from products.management.demo_images import EXTENSION, product_image
from products.models import Category, Product

SOURCE = "command seed_demo"
# What the feed calls the batch of demo products.
BATCH_LABEL = "demo catalog"
# Where the printed links point unless --site-url says otherwise (make run passes
# the host and port it serves on).
SITE_URL = "http://127.0.0.1:8000/"

CATEGORIES = [
    "Kitchen & Dining",
    "Home Office",
    "Electronics",
    "Outdoor & Garden",
    "Bath & Body",
    "Toys & Games",
]

# (SKU, name, category, price, quantity, supplier, description)
# fmt: off
PRODUCTS = [
    # Kitchen & Dining
    ("KIT-1001", "Enamel Camping Mug", "Kitchen & Dining", "12.50", 48,
     "Northfield Housewares", "Speckled enamel mug, 350 ml, chip-resistant rim."),
    ("KIT-1002", "Cast Iron Skillet 26 cm", "Kitchen & Dining", "39.90", 17,
     "Forge & Hearth", "Pre-seasoned skillet for stove, oven and campfire."),
    ("KIT-1003", "Bamboo Cutting Board", "Kitchen & Dining", "18.00", 62,
     "GreenLeaf Supply", "Reversible board with a juice groove, 40 x 28 cm."),
    ("KIT-1004", "Stainless Steel French Press (1 L)", "Kitchen & Dining", "34.00",
     4, "Northfield Housewares", "Double-walled press that keeps coffee hot."),
    ("KIT-1005", "Ceramic Pour-Over Dripper", "Kitchen & Dining", "21.00", 0,
     "Kiln Street Ceramics", "Single-cup dripper, fits size 02 paper filters."),
    ("KIT-1006", "Chef's Knife 20 cm", "Kitchen & Dining", "64.00", 9,
     "Forge & Hearth", "High-carbon steel blade with a walnut handle."),
    ("KIT-1007", "Glass Storage Jars (Set of 3)", "Kitchen & Dining", "27.50", 33,
     "Clearview Glassworks", "Airtight borosilicate jars with bamboo lids."),
    ("KIT-1008", "Linen Tea Towels (Pair)", "Kitchen & Dining", "15.00", 2,
     "Loom & Thread", "Stonewashed linen towels, quick-drying and lint-free."),
    # Home Office
    ("OFF-2001", "Walnut Monitor Stand", "Home Office", "89.00", 12,
     "Oak & Ore Workshop", "Solid walnut riser with room for a keyboard below."),
    ("OFF-2002", "Ergonomic Mesh Office Chair", "Home Office", "249.00", 5,
     "Posture Works", "Adjustable lumbar support, armrests and seat depth."),
    ("OFF-2003", "A5 Dotted Notebook", "Home Office", "9.50", 140,
     "Paperfold Co.", "160 pages of 100 gsm paper that lies flat when open."),
    ("OFF-2004", "Desk Organiser Tray", "Home Office", "22.00", 0,
     "Oak & Ore Workshop", "Three-compartment tray in oiled oak."),
    ("OFF-2005", "LED Desk Lamp with Dimmer", "Home Office", "45.00", 21,
     "Brightline Lighting", "Five brightness levels and a warm-to-cool range."),
    ("OFF-2006", "Felt Desk Mat 90 x 40 cm", "Home Office", "29.00", 38,
     "Loom & Thread", "Wool felt mat that quiets the keyboard and mouse."),
    ("OFF-2007", "Fountain Pen, Fine Nib", "Home Office", "36.00", 3,
     "Paperfold Co.", "Brass body, refillable converter and two cartridges."),
    # Electronics
    ("ELE-3001", "USB-C Charging Hub (65 W)", "Electronics", "54.99", 27,
     "VoltEdge", "Four ports with smart power sharing for laptop and phone."),
    ("ELE-3002", "Wireless Noise-Cancelling Headphones", "Electronics", "179.00",
     8, "SoundHarbor", "Over-ear, 30-hour battery and multipoint pairing."),
    ("ELE-3003", "Mechanical Keyboard (TKL)", "Electronics", "119.00", 0,
     "KeyCraft", "Tenkeyless layout, hot-swappable tactile switches."),
    ("ELE-3004", "Portable Bluetooth Speaker", "Electronics", "59.00", 44,
     "SoundHarbor", "Splash-proof speaker with 12 hours of playback."),
    ("ELE-3005", "1080p Webcam with Privacy Shutter", "Electronics", "49.00", 1,
     "ClearFrame", "Autofocus webcam with twin microphones."),
    ("ELE-3006", "Braided USB-C Cable 2 m", "Electronics", "14.99", 210,
     "VoltEdge", "Supports 100 W charging and 10 Gbps data."),
    ("ELE-3007", "Smart Plug (2-Pack)", "Electronics", "24.99", 56,
     "HomeSense", "Schedules and energy monitoring from the app."),
    # Outdoor & Garden
    ("OUT-4001", "Folding Camp Chair", "Outdoor & Garden", "42.00", 19,
     "TrailMate Outdoor", "Lightweight aluminium frame with a cup holder."),
    ("OUT-4002", "Stainless Insulated Water Bottle", "Outdoor & Garden", "28.00",
     73, "TrailMate Outdoor", "750 ml, keeps drinks cold for 24 hours."),
    ("OUT-4003", "Garden Pruning Shears", "Outdoor & Garden", "26.50", 0,
     "Greenthumb Tools", "Bypass shears with a carbon steel blade."),
    ("OUT-4004", "Solar String Lights 10 m", "Outdoor & Garden", "31.00", 24,
     "Brightline Lighting", "Fifty warm-white LEDs, dusk-to-dawn sensor."),
    ("OUT-4005", "Terracotta Planter 30 cm", "Outdoor & Garden", "19.00", 4,
     "Kiln Street Ceramics", "Frost-resistant planter with a drainage hole."),
    ("OUT-4006", "Two-Person Dome Tent", "Outdoor & Garden", "139.00", 6,
     "TrailMate Outdoor", "Three-season tent that pitches in five minutes."),
    ("OUT-4007", "Kneeling Pad for Gardening", "Outdoor & Garden", "16.00", 51,
     "Greenthumb Tools", "Thick waterproof foam that spares your knees."),
    # Bath & Body
    ("BAT-5001", "Organic Cotton Bath Towel", "Bath & Body", "32.00", 40,
     "Loom & Thread", "600 gsm towel, soft and highly absorbent."),
    ("BAT-5002", "Lavender Soap Bar", "Bath & Body", "6.50", 180,
     "Meadow Apothecary", "Cold-process soap with shea butter."),
    ("BAT-5003", "Bamboo Toothbrush (4-Pack)", "Bath & Body", "8.99", 0,
     "GreenLeaf Supply", "Plant-based handles with soft bristles."),
    ("BAT-5004", "Eucalyptus Shower Steamer Set", "Bath & Body", "14.00", 3,
     "Meadow Apothecary", "Six tablets that release eucalyptus oil in the steam."),
    ("BAT-5005", "Waffle Knit Bathrobe", "Bath & Body", "58.00", 11,
     "Loom & Thread", "Lightweight cotton robe, one size fits most."),
    ("BAT-5006", "Ceramic Soap Dish", "Bath & Body", "11.00", 29,
     "Kiln Street Ceramics", "Slatted dish that keeps soap dry between uses."),
    ("BAT-5007", "Natural Loofah Sponge", "Bath & Body", "5.50", 5,
     "GreenLeaf Supply", "Gently exfoliates and is fully compostable."),
    # Toys & Games
    ("TOY-6001", "Wooden Building Blocks (50 pcs)", "Toys & Games", "34.00", 22,
     "Little Oak Toys", "Beech blocks finished with child-safe paint."),
    ("TOY-6002", "1000-Piece Jigsaw Puzzle", "Toys & Games", "19.99", 35,
     "Puzzle Peak", "Alpine lake illustration, 68 x 48 cm when done."),
    ("TOY-6003", "Classic Chess Set", "Toys & Games", "45.00", 0,
     "Little Oak Toys", "Weighted wooden pieces and a folding board."),
    ("TOY-6004", "Plush Bear 30 cm", "Toys & Games", "24.00", 14,
     "Cuddle Co.", "Soft recycled-fibre bear, machine washable."),
    ("TOY-6005", "Family Card Game", "Toys & Games", "12.99", 2,
     "Puzzle Peak", "Fast-paced game for 2 to 6 players aged 7 and up."),
    ("TOY-6006", "Kite with Twin Lines", "Toys & Games", "29.00", 18,
     "TrailMate Outdoor", "Stunt kite with ripstop sail and 25 m lines."),
]

# (username, password, role, is_staff, is_superuser, group, where to go)
USERS = [
    ("staff", "staff-demo-pass", "catalog editor", True, False, CATALOG_EDITORS,
     "products/"),
    ("watcher", "watcher-demo-pass", "feed watcher", True, False, FEED_WATCHERS,
     "dashboard/products/"),
    ("admin", "admin-demo-pass", "superuser", True, True, None, "admin/"),
    ("shopper", "shopper-demo-pass", "customer", False, False, None, "products/"),
]
# fmt: on


class Command(BaseCommand):
    help = (
        "Load demo categories, products with generated pictures, the groups "
        "Catalog editors and Feed watchers, and the demo logins staff, watcher, "
        "admin and shopper. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Do not list the products; still print the logins.",
        )
        parser.add_argument(
            "--site-url",
            default=SITE_URL,
            help=f"Where the site is served, for the printed links (default "
            f"{SITE_URL}).",
        )
        parser.add_argument(
            "--allow-demo-passwords",
            action="store_true",
            help="Create the demo logins even with DEBUG off. Their passwords are "
            "published: only for a demo that nobody else can reach.",
        )

    def handle(
        self,
        *args,
        quiet=False,
        allow_demo_passwords=False,
        site_url=SITE_URL,
        **options,
    ):
        self.check_demo_passwords_allowed(allow_demo_passwords)
        saved_files = []
        try:
            with transaction.atomic(), acting_as(source=SOURCE):
                categories, new_categories = self.seed_categories()
                products = self.seed_products(categories, saved_files)
                users = self.seed_users()
        except BaseException:
            # The rows rolled back; do not leave their pictures behind.
            for name in saved_files:
                default_storage.delete(name)
            raise

        new_products = [product for product, created in products if created]
        if not quiet:
            self.print_products(products)
        self.stdout.write(
            f"Categories: {new_categories} created, "
            f"{len(categories) - new_categories} already present. "
            f"Products: {len(new_products)} created, "
            f"{len(products) - len(new_products)} already present."
        )
        self.print_logins(users, site_url.rstrip("/") + "/")

    def check_demo_passwords_allowed(self, allowed):
        """The demo logins' passwords are in this file, so anyone who can reach
        the site could sign in as admin: only for a DEBUG (make run) site unless
        asked for, loudly, by flag."""
        if settings.DEBUG:
            return
        if not allowed:
            raise CommandError(
                "DEBUG is off: refusing to create the demo logins, whose passwords "
                "are published. For a demo nobody else can reach, pass "
                "--allow-demo-passwords."
            )
        self.stderr.write(
            self.style.ERROR(
                "WARNING: creating demo logins with PUBLISHED passwords while DEBUG "
                "is off (--allow-demo-passwords). Anyone who can reach this site "
                "can sign in as admin. Never do this on a reachable server."
            )
        )

    # -- seeding -----------------------------------------------------------------

    def seed_categories(self):
        categories, created_count = {}, 0
        for name in CATEGORIES:
            slug = slugify(name)
            category = (
                Category.objects.filter(name__iexact=name).first()
                or Category.objects.filter(slug=slug).first()
            )
            if category is None:
                category = Category.objects.create(name=name, slug=slug)
                created_count += 1
            categories[name] = category
        return categories, created_count

    def seed_products(self, categories, saved_files):
        """The missing demo products, written as one batch: one transaction,
        one entry on the feed ("imported demo catalog: 42 created"), a change
        row per product on its history."""
        existing = {
            product.sku: product
            for product in Product.objects.select_related("category").filter(
                sku__in=[row[0] for row in PRODUCTS]
            )
        }
        items = []
        for sku, name, category, price, quantity, supplier, description in PRODUCTS:
            if sku in existing:
                continue
            # The picture is stored first; the batch records the product with
            # its picture as one "created" change.
            image = default_storage.save(
                Product._meta.get_field("image").generate_filename(
                    None, f"{sku.lower()}.{EXTENSION}"
                ),
                ContentFile(product_image(category)),
            )
            saved_files.append(image)
            values = {
                "sku": sku,
                "name": name,
                "category": categories[category],
                "price": Decimal(price),
                "quantity": quantity,
                "supplier": supplier,
                "description": description,
                "image": image,
            }
            items.append(BatchItem(product=None, values=values))
        if items:
            writes.products_import(items=items, label=BATCH_LABEL)
        created = {item.new.sku: item.new for item in items}
        return [
            (existing[sku], False) if sku in existing else (created[sku], True)
            for sku, *_ in PRODUCTS
        ]

    def seed_users(self):
        User = get_user_model()
        results = []
        groups = {name: role_group(name) for name in (CATALOG_EDITORS, FEED_WATCHERS)}
        for username, password, role, is_staff, is_superuser, group, path in USERS:
            user = User._default_manager.filter(
                **{User.USERNAME_FIELD: username}
            ).first()
            created = user is None
            if created:
                user = User._default_manager.create_user(
                    **{User.USERNAME_FIELD: username},
                    password=password,
                    is_staff=is_staff,
                    is_superuser=is_superuser,
                )
            elif (user.is_staff, user.is_superuser) != (is_staff, is_superuser):
                self.stderr.write(
                    self.style.WARNING(
                        f"User {username!r} already exists with different "
                        f"permissions (is_staff={user.is_staff}, "
                        f"is_superuser={user.is_superuser}); left unchanged."
                    )
                )
            if group is not None:
                # Also for an existing demo user: one seeded before the groups
                # existed would otherwise lose every staff page.
                user.groups.add(groups[group])
            results.append((user, password, role, path, created))
        return results

    # -- output ------------------------------------------------------------------

    def print_products(self, products):
        rows = [
            (
                product.sku,
                product.name,
                str(product.category or "-"),
                f"{product.price:.2f}",
                str(product.quantity),
                {"out": "out of stock", "low": "low", "in": ""}[product.stock_status],
                "created" if created else "exists",
            )
            for product, created in products
        ]
        self.write_table(
            ("SKU", "Name", "Category", "Price", "Qty", "Stock", "Seed"), rows
        )
        self.stdout.write("")

    def print_logins(self, users, site_url):
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins ({site_url})"))
        rows = []
        for user, password, role, path, created in users:
            note = "" if created else "existing user, password not reset"
            rows.append((role, user.get_username(), password, site_url + path, note))
        self.write_table(("Role", "Username", "Password", "Start at", "Note"), rows)
        self.stdout.write(f"Log in at {site_url}accounts/login/")

    def write_table(self, headers, rows):
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(headers, *rows)
        ]

        def line(cells):
            return "  ".join(
                str(cell).ljust(width) for cell, width in zip(cells, widths)
            ).rstrip()

        self.stdout.write(self.style.SQL_FIELD(line(headers)))
        self.stdout.write(line("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row))
