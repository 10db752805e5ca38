# Sourced by the mysql image's entrypoint on the data directory's first start (docker_process_sql runs SQL as
# root over the local socket): Temporal gets a user of its own, limited to its two databases, so nothing in the
# stack connects as root. temporal-sql-tool creates the databases themselves (temporal-schema in
# docker-compose.yml).
docker_process_sql --database=mysql <<-EOSQL
	CREATE USER IF NOT EXISTS 'temporal'@'%' IDENTIFIED BY '${TEMPORAL_DB_PASSWORD//\'/\'\'}';
	GRANT ALL PRIVILEGES ON \`temporal\`.* TO 'temporal'@'%';
	GRANT ALL PRIVILEGES ON \`temporal_visibility\`.* TO 'temporal'@'%';
EOSQL
