/** The adapters page (issue 15). */
export function AdaptersPage() {
  return (
    <section>
      <h1>Adapters</h1>
      <p>Not built yet.</p>
    </section>
  );
}
