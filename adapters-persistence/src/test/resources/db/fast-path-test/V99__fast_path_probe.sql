-- For MigrationFastPathIT only: a second, newer migration after the bundled ones (a build one migration ahead).
CREATE TABLE fast_path_probe (
    id integer PRIMARY KEY
);
