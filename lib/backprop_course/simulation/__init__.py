"""Simulated students and courses: the catalogue of mistakes, the demo class, the toy course, the `demo` run.
Takes: a course's source and release notebooks. Gives: wrong and hostile submissions for the demo,
tests and benchmarks; course_demo.py orchestrates every step on a throwaway copy of the course."""
