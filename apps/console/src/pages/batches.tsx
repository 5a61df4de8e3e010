/** The batches page (issue 15). */
export function BatchesPage() {
  return (
    <section>
      <h1>Batches</h1>
      <p>Not built yet.</p>
    </section>
  );
}
