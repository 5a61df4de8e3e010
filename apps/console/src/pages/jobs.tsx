/** The jobs page (issue 15). */
export function JobsPage() {
  return (
    <section>
      <h1>Jobs</h1>
      <p>Not built yet.</p>
    </section>
  );
}
