const { PGlite } = await import("@electric-sql/pglite");
for (const dir of ["/tmp/st/w/pglite", "/tmp/st/w/pglite", process.argv[2]]) {
  const t = performance.now();
  const pg = await PGlite.create({ dataDir: dir });
  const t1 = performance.now();
  if (process.argv[3] === "checkpoint") await pg.query("checkpoint");
  await pg.close();
  console.log(dir, "open", (t1 - t).toFixed(0), "close", (performance.now() - t1).toFixed(0));
}
