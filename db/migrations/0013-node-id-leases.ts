/**
 * node_id_leases: which process may mint snowflakes (db/ids/snowflake.ts) with which of the 1024 node ids
 * (issue 18). Until now every API process used API_NODE_ID, 10 unless set, so two APIs admitting in the same
 * millisecond minted the same task id. Each minting process now leases a row here
 * (services/ids/node-id-leases.ts) and mints only while its lease holds.
 *
 * - One row per node id, all 1024 written here, so taking a node id is an UPDATE of an existing row guarded by
 *   its `version` (compare-and-set): two processes racing for the same row cannot both win, whatever the
 *   isolation level (an UPDATE always reads the latest committed row), on MariaDB and MySQL 8 alike.
 * - holder: a random token per acquisition (NULL: free); host, pid and role say who holds or last held it.
 * - heartbeat_at, expires_at: the database's clock (NOW(3)), never a host's, so hosts' clocks do not decide
 *   when a lease is over. A row whose expires_at has passed may be taken; its holder stopped minting before
 *   (it counts its lease from before it asked for it, on its own monotonic clock, with a margin).
 * - mint_until_ms: the holder's promise, on its own wall clock, of the newest timestamp it may put in an id
 *   (ms since 1970). Snowflakes are time-ordered by the minting host's clock, so whoever takes the node id next
 *   mints only timestamps after it: a new holder whose clock is behind the old one's waits (or picks another
 *   row) instead of minting ids the old holder already minted. It never decreases.
 */
import type { Migration } from '../migration';
import { TABLE_CHARSET } from '../charset';

export const migration: Migration = {
  name: '0013-node-id-leases',
  async up({ sql }) {
    await sql(`CREATE TABLE node_id_leases (
      node_id SMALLINT UNSIGNED NOT NULL COMMENT '雪花节点号 0-1023',
      holder CHAR(36) NULL COMMENT '当前持有者令牌（每次获取随机生成）；NULL 为空闲',
      role VARCHAR(32) NULL COMMENT '持有或最后持有的进程类型（api、seed-dev、submit、bootstrap）',
      host VARCHAR(255) NULL COMMENT '持有或最后持有的主机名',
      pid INT UNSIGNED NULL COMMENT '持有或最后持有的进程号',
      leased_at DATETIME(3) NULL COMMENT '本次获取时间（数据库时钟）',
      heartbeat_at DATETIME(3) NULL COMMENT '最近一次续租时间（数据库时钟）',
      expires_at DATETIME(3) NULL COMMENT '租约到期时间（数据库时钟），过期后可被他人获取',
      mint_until_ms BIGINT UNSIGNED NULL COMMENT '持有者承诺不超过的雪花时间戳（其主机时钟，毫秒）；下一持有者只生成更晚的时间戳',
      version INT UNSIGNED NOT NULL DEFAULT 0 COMMENT '每次获取、续租、释放加一：获取时比较并交换',
      PRIMARY KEY (node_id)
    ) ${TABLE_CHARSET} COMMENT='雪花节点号租约表'`);
    // 0-1023: the 10 bits of node in db/ids/snowflake.ts's layout, written out so this migration never changes.
    const ids = Array.from({ length: 1024 }, (_, id) => `(${id})`);
    await sql(`INSERT INTO node_id_leases (node_id) VALUES ${ids.join(', ')}`);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS node_id_leases');
  },
};
