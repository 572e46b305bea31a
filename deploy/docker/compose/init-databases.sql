-- One database per service, like `make run` (kim_devstack) creates on its local server.
-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d).
CREATE DATABASE kim_registry;
CREATE DATABASE kim_content;
CREATE DATABASE kim_marketplace;
CREATE DATABASE kim_mentoring;
