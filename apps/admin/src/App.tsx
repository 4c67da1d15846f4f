/** The admin shell. Batches, billing, tasks and the rest arrive with the admin issue (SPEC §7). */
export function App() {
  return (
    <main>
      <h1>Batchreel admin</h1>
    </main>
  );
}
