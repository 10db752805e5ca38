import type { Migration } from '../migration';
import { migration as m0001 } from './0001-jimeng-tables';
import { migration as m0002 } from './0002-points-ledger';
import { migration as m0003 } from './0003-template-executions';
import { migration as m0004 } from './0004-job-outputs';
import { migration as m0005 } from './0005-account-leases';
import { migration as m0006 } from './0006-point-reservations';
import { migration as m0007 } from './0007-api-keys';
import { migration as m0008 } from './0008-lease-request-key';
import { migration as m0009 } from './0009-account-waiters';
import { migration as m0010 } from './0010-tenants';
import { migration as m0011 } from './0011-generation-tasks';
import { migration as m0012 } from './0012-tenant-callback-secrets';
import { migration as m0013 } from './0013-node-id-leases';
import { migration as m0014 } from './0014-utf8mb4-unicode-ci';

/** In order. Listed explicitly so the same code runs from ts-jest and from compiled dist/. */
export const migrations: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0012,
  m0013,
  m0014,
];
