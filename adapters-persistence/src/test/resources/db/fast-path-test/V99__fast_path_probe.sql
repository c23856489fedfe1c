-- For MigrationFastPathIT only: a second, newer migration next to the bundled V1 (a build one migration ahead).
CREATE TABLE fast_path_probe (
    id integer PRIMARY KEY
);
