"""Model/SAE pipeline: builds "packs" (see PACK_FORMAT.md). Never touches the database."""
