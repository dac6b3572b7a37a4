/**
 * The `ceph.conf` of the stack's one-machine cluster: 1 mon, 1 OSD, radosgw (beast), no mgr,
 * no cephx, everything in one throwaway folder and on 127.0.0.1.
 *
 * @module
 */

/** The object stores the OSD can use. */
export type ObjectStore = "memstore" | "bluestore";

/** What {@link cephConf} needs to know. */
export interface CephConfOptions {
  /** The cluster folder (absolute); every path of the cluster but the logs is inside it. */
  dir: string;
  /** The folder of the daemons' own log files (`<logDir>/<name>.log`). */
  logDir: string;
  /** The cluster id (a UUID). */
  fsid: string;
  /** The monitor's msgr2 port; the v1 port is `monPort + 1`. */
  monPort: number;
  /** radosgw's S3 port. */
  rgwPort: number;
  /** The OSD's object store. */
  objectStore: ObjectStore;
  /**
   * The size of the OSD's device: the data cap for memstore (the OSD's memory grows to about
   * 1.5x of it, so it stays small: tests store little, benchmarks use bluestore), the sparse file
   * size for bluestore.
   * @default 3 GiB for memstore, 16 GiB for bluestore
   */
  deviceBytes?: number;
}

/** The radosgw daemon's name (`-n`). */
export const RGW_NAME = "client.rgw.a";

/** The monitor id (`-i`). */
export const MON_ID = "a";

/** The OSD id; `ceph osd new` hands out 0 on a fresh cluster. */
export const OSD_ID = 0;

/** The monitor's address vector, as `monmaptool --addv` and `mon_host` want it. */
export function monAddrs(monPort: number): string {
  return `[v2:127.0.0.1:${monPort},v1:127.0.0.1:${monPort + 1}]`;
}

/** The text of `ceph.conf`. */
export function cephConf(options: CephConfOptions): string {
  const { dir } = options;
  const deviceBytes = options.deviceBytes ??
    (options.objectStore === "memstore" ? 3 : 16) * 1024 ** 3;
  const store = options.objectStore === "memstore" ? [`memstore_device_bytes = ${deviceBytes}`] : [
    // Outside osd_data: bluestore links `$osd_data/block` to this path.
    `bluestore_block_path = ${dir}/osd.$id.block`,
    `bluestore_block_create = true`,
    `bluestore_block_size = ${deviceBytes}`,
    // The check of a freshly made store costs about half a second of every start.
    "bluestore_fsck_on_mkfs = false",
  ];
  return [
    "[global]",
    `fsid = ${options.fsid}`,
    `mon_host = ${monAddrs(options.monPort)}`,
    "public_addr = 127.0.0.1",
    "cluster_addr = 127.0.0.1",
    "ms_bind_ipv4 = true",
    "ms_bind_ipv6 = false",
    `run_dir = ${dir}/run`,
    `log_file = ${options.logDir}/$name.log`,
    `keyring = ${dir}/keyring`,
    "auth_cluster_required = none",
    "auth_service_required = none",
    "auth_client_required = none",
    // With auth off every messenger mode must be crc: otherwise radosgw loops on its mon login
    // (-13) and never starts.
    "ms_mon_client_mode = crc",
    "ms_client_mode = crc",
    "ms_mon_cluster_mode = crc",
    "ms_mon_service_mode = crc",
    "ms_cluster_mode = crc",
    "ms_service_mode = crc",
    "osd_pool_default_size = 1",
    "osd_pool_default_min_size = 1",
    "mon_allow_pool_size_one = true",
    "mon_warn_on_pool_no_redundancy = false",
    "osd_pool_default_pg_num = 8",
    "osd_pool_default_pgp_num = 8",
    "osd_pool_default_pg_autoscale_mode = off",
    "osd_crush_chooseleaf_type = 0",
    "mon_allow_pool_delete = true",
    // A nearly full test disk must not stop the monitor.
    "mon_data_avail_warn = 2",
    "mon_data_avail_crit = 1",
    "",
    "[mon]",
    `mon_data = ${dir}/mon.$id`,
    // The default 1 s makes radosgw's first start (about 8 pool creations) take 13 s.
    "paxos_propose_interval = 0.05",
    `pid_file = ${dir}/run/$name.pid`,
    `admin_socket = ${dir}/run/$name.asok`,
    "",
    "[osd]",
    `osd_data = ${dir}/osd.$id`,
    `osd_objectstore = ${options.objectStore}`,
    ...store,
    `pid_file = ${dir}/run/$name.pid`,
    `admin_socket = ${dir}/run/$name.asok`,
    "",
    `[${RGW_NAME}]`,
    `rgw_frontends = beast endpoint=127.0.0.1:${options.rgwPort}`,
    `rgw_data = ${dir}/rgw`,
    // Deleted objects are garbage-collected seconds later instead of hours: on memstore their
    // bytes stay in the OSD's memory until then, and the tests delete everything they write.
    "rgw_gc_obj_min_wait = 5",
    "rgw_gc_processor_period = 10",
    "rgw_gc_processor_max_time = 10",
    `pid_file = ${dir}/run/$name.pid`,
    `admin_socket = ${dir}/run/$name.asok`,
    "",
  ].join("\n");
}
